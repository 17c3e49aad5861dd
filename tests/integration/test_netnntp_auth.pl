#!/usr/bin/perl
# AUTHINFO with Perl's Net::NNTP: reading needs a login ([access] rules),
# authinfo() logs in, a wrong password is refused with 481.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use Net::NNTP;
use Test::More;
use LoomTest;

my $srv = LoomTest->start(config => <<'CONF');
[auth]
allow_plaintext = yes
[access members]
users = *
read = *
post = local.*
CONF
my $loomctl = $ENV{LOOMCTL} || "$FindBin::Bin/../../build/loomctl";

open(my $ctl, '|-', $loomctl, '--data', $srv->{data}, 'user', 'add', 'perl')
    or die "loomctl: $!";
print $ctl "camel-password\n";
ok(close($ctl), 'loomctl user add perl');

my $nntp = Net::NNTP->new(Host => '127.0.0.1', Port => $srv->port,
    Timeout => LoomTest::scaled(10));
ok($nntp, 'Net::NNTP->new connects');
SKIP: {
	skip 'no connection', 7 unless $nntp;
	ok(!$nntp->postok, 'no posting before a login (greeting 201)');
	ok(!defined $nntp->group('local.test'), 'GROUP refused anonymously');
	is($nntp->code, 480, 'GROUP answered 480 (authentication required)');
	ok(!$nntp->authinfo('perl', 'wrong'), 'a wrong password is refused');
	is($nntp->code, 481, 'wrong password answered 481');
	ok($nntp->authinfo('perl', 'camel-password'), 'authinfo() logs in');
	my @g = $nntp->group('local.test');
	is($g[3], 'local.test', 'GROUP works after the login');
	$nntp->quit;
}

$srv->stop_and_check;
unlike($srv->slurp, qr/camel-password|\$scrypt\$/,
    'neither password nor hash in the log');

done_testing();
