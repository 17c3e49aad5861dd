#!/usr/bin/perl
# Smoke test with Perl's Net::NNTP (libnet): connect, MODE READER (sent by
# Net::NNTP->new), DATE, QUIT.  Starts loomd itself with the same readiness
# protocol as harness.py: wait for "listening on ADDR:PORT" lines and then
# "ready to accept connections" in the log; stop it by PID with TERM.
use strict;
use warnings;
use File::Temp qw(tempdir);
use FindBin;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);
use Net::NNTP;
use Test::More;

my $loomd = $ENV{LOOMD} || "$FindBin::Bin/../../build/loomd";
my $tmp = tempdir("loomtest-XXXXXX", TMPDIR => 1,
    CLEANUP => !($ENV{LOOM_KEEP_TMP} // ''));
my $data = "$tmp/data";
my $log = "$tmp/loomd.log";
mkdir $data or die "mkdir $data: $!";

sub slurp {
	open(my $fh, '<', $log) or return '';
	local $/;
	my $t = <$fh>;
	close $fh;
	return $t // '';
}

sub log_tail {
	my @l = split /\n/, slurp();
	@l = @l[-25 .. -1] if @l > 25;
	diag($_) for @l;
}

# --- start loomd -----------------------------------------------------------
ok(-x $loomd, "loomd binary exists ($loomd)") or BAIL_OUT("no loomd");

my $pid = fork();
die "fork: $!" unless defined $pid;
if ($pid == 0) {
	open(STDIN, '<', '/dev/null');
	open(STDOUT, '>>', $log) or die;
	open(STDERR, '>&', \*STDOUT) or die;
	exec($loomd, '--foreground', '--listen', '127.0.0.1:0', '--data', $data)
	    or die "exec $loomd: $!";
}

my ($host, $port);
my $deadline = time + 20;
my $exited = 0;
while (time < $deadline) {
	my $t = slurp();
	if ($t =~ /ready to accept connections/) {
		my $before = substr($t, 0, $-[0]);
		if ($before =~ /listening on (\[[^\]]+\]|[0-9.]+):(\d+)/) {
			($host, $port) = ($1, $2);
			$host =~ s/^\[|\]$//g;
		}
		last;
	}
	if (waitpid($pid, WNOHANG) == $pid) {
		$exited = 1;
		last;
	}
	sleep 0.05;
}
ok(defined $port, "loomd ready, listening on " . ($port ? "$host:$port" : "?"))
    or do { log_tail(); stop_loomd(); BAIL_OUT("loomd did not start") };

# --- the client ------------------------------------------------------------
my $nntp = Net::NNTP->new(Host => '127.0.0.1', Port => $port, Timeout => 10);
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

# --- stop loomd by PID ----------------------------------------------------------
sub stop_loomd {
	return -1 if $exited;
	kill 'TERM', $pid;
	my $until = time + 10;
	while (time < $until) {
		if (waitpid($pid, WNOHANG) == $pid) {
			$exited = 1;
			return $?;
		}
		sleep 0.05;
	}
	kill 'KILL', $pid;
	waitpid($pid, 0);
	$exited = 1;
	return -2;
}

my $status = stop_loomd();
is($status, 0, 'loomd exits with status 0 on SIGTERM') or log_tail();
my $text = slurp();
my @san = grep { /ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:/ }
    split /\n/, $text;
ok(!@san, 'no sanitizer report in the log') or do { diag($_) for @san; log_tail() };

done_testing();
