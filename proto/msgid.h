/* Message-ID syntax (RFC 5536 3.1.3, RFC 3977 3.6).  Pure. */
#ifndef LOOM_MSGID_H
#define LOOM_MSGID_H

#include <stddef.h>

/*
 * True if s[0..len) is a valid message-id: "<" id-left "@" id-right ">",
 * 3..250 octets, printable US-ASCII without SP, and the RFC 5536 grammar:
 * id-left is dot-atom-text (no quoted strings, no obsolete forms), id-right
 * dot-atom-text or a no-fold-literal "[...]" whose mdtext excludes ">",
 * "[", "]" and "\".  So the only ">" is the last octet.
 */
int msgid_valid(const char *s, size_t len);

/*
 * The looser RFC 3977 3.6 form accepted in commands (ARTICLE <id>, IHAVE,
 * CHECK): "<" 1*248(%x21-3D / %x3F-7E) ">".  Servers must accept any id a
 * peer may have stored, so commands use this and POST uses msgid_valid().
 */
int msgid_valid_nntp(const char *s, size_t len);

#endif /* LOOM_MSGID_H */
