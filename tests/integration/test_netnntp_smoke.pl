#!/usr/bin/perl
# Smoke test with Perl's Net::NNTP (libnet): connect, MODE READER (sent by
# Net::NNTP->new), DATE, QUIT.  Starts loomd itself with the same readiness
# protocol as harness.py: wait for "listening on ADDR:PORT" lines and then
# "ready to accept connections" in the log; stop it by PID with TERM.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use Time::HiRes qw(sleep time);
use Net::NNTP;
use Test::More;
use LoomTest;

my $srv = LoomTest->start();
my $port = $srv->port;

# --- the client ------------------------------------------------------------
my $nntp = Net::NNTP->new(Host => '127.0.0.1', Port => $port, Timeout => LoomTest::scaled(10));
ok($nntp, 'Net::NNTP->new connects');
SKIP: {
	skip 'no connection', 5 unless $nntp;
	# new() sent MODE READER; code() is its reply (a mixed server: 200).
	is($nntp->code, 200, 'MODE READER answered 200');
	ok($nntp->postok, 'posting allowed');
	my $now = time;
	my $epoch = $nntp->date;
	ok(defined $epoch, 'date() parses the 111 reply');
	ok(defined $epoch && abs($epoch - $now) < 30,
	    'date() within 30 s of now (' . ($epoch // 'undef') . ' vs ' . int($now) . ')');
	ok($nntp->quit && $nntp->code == 205, 'quit answered 205');
}

$srv->stop_and_check;

done_testing();
