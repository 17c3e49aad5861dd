import re, sys, collections
warns = collections.defaultdict(list)
for l in open(sys.argv[1]):
    m = re.match(r"([^:]+):(\d+):(\d+): warning: unused parameter .(\w+).", l)
    if m:
        warns[m.group(1)].append((int(m.group(2)), int(m.group(3)), m.group(4)))
for f, ws in warns.items():
    lines = open(f).read().split('\n')
    # right to left within a line so columns stay valid
    for ln, col, name in sorted(set(ws), key=lambda x: (x[0], -x[1])):
        s = lines[ln-1]
        # gcc columns count a tab as 1; find name at byte col-1
        i = col - 1
        assert s[i:i+len(name)] == name, (f, ln, s, name)
        j = i + len(name)
        lines[ln-1] = s[:j] + ' LOOM_UNUSED' + s[j:]
    # rewrap the touched lines if too long (tabs as 8)
    out = []
    touched = {ln for ln, _, _ in ws}
    for idx, s in enumerate(lines, 1):
        if idx in touched and len(s.expandtabs(8)) > 80:
            indent = '    '
            first = True
            cur = s
            parts = []
            while len(cur.expandtabs(8)) > 80:
                # break at last ", " that keeps the head within 80 columns
                cut = None
                for m in re.finditer(r', ', cur):
                    if len(cur[:m.start()+1].expandtabs(8)) <= 80:
                        cut = m.start() + 1
                if cut is None:
                    break
                parts.append(cur[:cut])
                lead = re.match(r'[\t ]*', s).group(0)
                cur = lead + indent + cur[cut+1:]
            parts.append(cur)
            out.extend(parts)
        else:
            out.append(s)
    open(f, 'w').write('\n'.join(out))
    print(f, len(ws))
