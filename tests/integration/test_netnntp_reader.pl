#!/usr/bin/perl
# Perl's Net::NNTP (libnet) against Loom as a reader: post, list, group,
# xover, article, head, body, newnews, listgroup, active_times,
# newsgroups, and the error codes Net::NNTP reports.  Starts loomd itself
# with the same readiness protocol as harness.py (see
# test_netnntp_smoke.pl) and stops it by PID with TERM.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use Time::HiRes qw(sleep time);
use Net::NNTP;
use Test::More;
use LoomTest;

my $pathhost = 'news.loom.test';
my $srv = LoomTest->start(config => <<"EOF");
[server]
pathhost = $pathhost
domain = loom.test
[storage]
nosync = yes
[group local.general]
description = Local general discussion
[group local.test]
description = Local test postings
[group alt.quiet]
description = Nobody posts here
status = n
EOF
my $port = $srv->port;

# --- the articles ----------------------------------------------------------
my @articles = (
	{ id => '<pl.1@loom.test>', subject => 'Perl first', from => 'Alice <alice@example.org>',
	  groups => 'local.general', refs => undef,
	  body => ["Hello from Net::NNTP.\n", ".a dotted line\n", "\n", "end\n"] },
	{ id => '<pl.2@loom.test>', subject => 'Re: Perl first', from => 'Bob <bob@example.org>',
	  groups => 'local.general,local.test', refs => '<pl.1@loom.test>',
	  body => ["A reply, cross-posted.\n"] },
	{ id => '<pl.3@loom.test>', subject => 'Re: Perl first', from => 'Carol <carol@example.org>',
	  groups => 'local.general', refs => '<pl.1@loom.test> <pl.2@loom.test>',
	  body => ["..two dots\n", ".\n", "last\n"] },
);

sub article_lines {
	my ($a) = @_;
	my @h = ("From: $a->{from}\n", "Newsgroups: $a->{groups}\n",
	    "Subject: $a->{subject}\n", "Message-ID: $a->{id}\n");
	push @h, "References: $a->{refs}\n" if defined $a->{refs};
	return (@h, "\n", @{$a->{body}});
}

# --- the client ------------------------------------------------------------
my $t0 = time;
my $nntp = Net::NNTP->new(Host => '127.0.0.1', Port => $port, Timeout => LoomTest::scaled(10));
ok($nntp, 'Net::NNTP->new connects');
SKIP: {
	skip 'no connection', 40 unless $nntp;
	ok($nntp->postok, 'posting allowed');

	# post
	for my $a (@articles) {
		ok($nntp->post(article_lines($a)), "post $a->{id}") or diag($nntp->message);
		is($nntp->code, 240, "post $a->{id}: 240");
	}
	ok(!$nntp->post("From: x\@example.org\n", "Newsgroups: local.general\n", "\n", "body\n"),
	    'post without Subject fails');
	is($nntp->code, 441, 'post without Subject: 441');
	ok(!$nntp->post(article_lines($articles[0])), 'duplicate post fails');
	is($nntp->code, 441, 'duplicate post: 441');
	ok(!$nntp->post("From: x\@example.org\n", "Newsgroups: alt.quiet\n", "Subject: s\n",
	    "\n", "body\n"), 'post to a status n group fails');
	is($nntp->code, 441, 'post to a status n group: 441');

	# list
	my $list = $nntp->list;
	is_deeply($list, {
		'local.general' => ['3', '1', 'y'],
		'local.test' => ['1', '1', 'y'],
		'alt.quiet' => ['0', '1', 'n'],
	}, 'list: name => [high, low, status]');

	# group
	my @g = $nntp->group('local.general');
	is_deeply(\@g, [3, 1, 3, 'local.general'], 'group local.general');
	is($nntp->code, 211, 'group: 211');
	is(scalar($nntp->group), 'local.general', 'group() remembers the group');
	ok(!defined(scalar $nntp->group('no.such.group')), 'group no.such.group fails');
	is($nntp->code, 411, 'group no.such.group: 411');
	@g = $nntp->group('local.general');

	# xover
	my $ov = $nntp->xover('1-3');
	is($nntp->code, 224, 'xover: 224');
	is_deeply([sort keys %$ov], [1, 2, 3], 'xover 1-3: three articles');
	for my $n (1 .. 3) {
		my $a = $articles[$n - 1];
		my $f = $ov->{$n};
		is($f->[0], $a->{subject}, "xover $n: Subject");
		is($f->[1], $a->{from}, "xover $n: From");
		is($f->[3], $a->{id}, "xover $n: Message-ID");
		is($f->[4] // '', $a->{refs} // '', "xover $n: References");
		is($f->[6], scalar(@{$a->{body}}), "xover $n: :lines");
		my ($xh, @xe) = split ' ', ($f->[7] // '');
		is($xh, 'Xref:', "xover $n: Xref field starts with its name");
		my $host = shift @xe;
		is($host, $pathhost, "xover $n: Xref host");
		ok(grep({ $_ eq "local.general:$n" } @xe), "xover $n: Xref has local.general:$n");
		# :bytes is the size of the article as ARTICLE sends it.
		my $art = $nntp->article($n);
		my $bytes = 0;
		$bytes += length($_) + 1 for @$art;	# "\n" back to CRLF
		is($f->[5], $bytes, "xover $n: :bytes");
	}
	$ov = $nntp->xover([2, 3]);
	is_deeply([sort keys %$ov], [2, 3], 'xover [2, 3]');
	ok(!defined $nntp->xover('7-9'), 'xover 7-9 fails');
	is($nntp->code, 423, 'xover 7-9: 423');

	# article, head, body
	my $a = $articles[2];
	my $art = $nntp->article($a->{id});
	is($nntp->code, 220, 'article by message-id: 220');
	like($nntp->message, qr/^0 \Q$a->{id}\E/, 'article by message-id: number 0');
	my $i = 0;
	$i++ while $i < @$art && $art->[$i] ne "\n";
	is_deeply([@$art[$i + 1 .. $#$art]], $a->{body}, 'article: body unstuffed and intact');
	my $head = $nntp->head($a->{id});
	is_deeply($head, [@$art[0 .. $i - 1]], 'head = header of article');
	ok(grep({ $_ eq "Xref: $pathhost local.general:3\n" } @$head), 'head has the Xref');
	my $body = $nntp->body(3);
	is($nntp->code, 222, 'body 3: 222');
	like($nntp->message, qr/^3 \Q$a->{id}\E/, 'body 3: number and message-id');
	is_deeply($body, $a->{body}, 'body 3 is the posted body');
	ok(!defined $nntp->article('<nope@loom.test>'), 'article <nope@loom.test> fails');
	is($nntp->code, 430, 'article <nope@loom.test>: 430');
	ok(!defined $nntp->body(99), 'body 99 fails');
	is($nntp->code, 423, 'body 99: 423');

	# newnews (Net::NNTP sends yymmdd hhmmss GMT)
	my $ids = $nntp->newnews(time - 3600, 'local.*');
	is($nntp->code, 230, 'newnews: 230');
	is_deeply([sort @{$ids // []}], [sort map { $_->{id} } @articles], 'newnews local.*');
	$ids = $nntp->newnews(time - 3600, ['local.test']);
	is_deeply($ids, ['<pl.2@loom.test>'], 'newnews local.test: the cross-post');
	$ids = $nntp->newnews(time + 86400, '*');
	is_deeply($ids, [], 'newnews from tomorrow: none');

	# listgroup
	my $nums = $nntp->listgroup('local.general');
	is($nntp->code, 211, 'listgroup: 211');
	is_deeply($nums, [1, 2, 3], 'listgroup local.general');
	is_deeply($nntp->listgroup('local.test'), [1], 'listgroup local.test');
	is_deeply($nntp->listgroup('alt.quiet'), [], 'listgroup of an empty group');
	ok(!defined $nntp->listgroup('no.such.group'), 'listgroup no.such.group fails');
	is($nntp->code, 411, 'listgroup no.such.group: 411');

	# active_times
	my $at = $nntp->active_times;
	is($nntp->code, 215, 'active_times: 215');
	is_deeply([sort keys %$at], ['alt.quiet', 'local.general', 'local.test'],
	    'active_times: every group');
	for my $g (sort keys %$at) {
		my ($when, $who) = @{$at->{$g}};
		ok(defined $when && $when =~ /^\d+$/ && $when <= time + 1 && $when >= $t0 - 60,
		    "active_times $g: creation time " . ($when // 'undef'));
		ok(defined $who && length $who, "active_times $g: creator " . ($who // 'undef'));
	}

	# newsgroups
	my $ng = $nntp->newsgroups('local.*');
	is($nntp->code, 215, 'newsgroups: 215');
	is_deeply($ng, {
		'local.general' => 'Local general discussion',
		'local.test' => 'Local test postings',
	}, 'newsgroups local.*');
	is_deeply($nntp->newsgroups('alt.quiet'), { 'alt.quiet' => 'Nobody posts here' },
	    'newsgroups alt.quiet');

	ok($nntp->quit && $nntp->code == 205, 'quit answered 205');
}

$srv->stop_and_check;

done_testing();
