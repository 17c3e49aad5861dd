# Starting and stopping loomd for the Perl (Net::NNTP) tests, with the
# readiness protocol of harness.py: wait for "listening on ADDR:PORT" and
# then "ready to accept connections" in the log; stop by PID with TERM.
package LoomTest;
use strict;
use warnings;
use File::Temp qw(tempdir);
use FindBin;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);
use Test::More;

# LOOM_TIMEOUT_SCALE multiplies every wait, as in harness.py (loomd under
# valgrind is 5-20 times slower).
my $SCALE = ($ENV{LOOM_TIMEOUT_SCALE} // '') =~ /^[0-9]*\.?[0-9]+$/ &&
    $ENV{LOOM_TIMEOUT_SCALE} > 1 ? $ENV{LOOM_TIMEOUT_SCALE} : 1;

# Seconds to wait for something: n times LOOM_TIMEOUT_SCALE.
sub scaled { return $_[0] * $SCALE }

# Sanitizer reports, and valgrind's on its "==PID==" lines (harness.py has
# the same list).
my $MEMORY_ERROR = qr/ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|^==\d+== +(?:Invalid (?:read|write) of size|Invalid free\(\)|Mismatched free\(\)|Conditional jump or move depends on uninitialised value|Use of uninitialised value|Syscall param .* uninitialised byte|Source and destination overlap|Process terminating with default action of signal (?:4|6|7|8|11) |definitely lost: [1-9]|ERROR SUMMARY: [1-9])/;

# start(config => TEXT): one test line for the binary, one for readiness
# (BAIL_OUT if it does not start).  Returns the server object.
sub start {
	my ($class, %opt) = @_;
	my $self = bless {}, $class;
	$self->{loomd} = $ENV{LOOMD} || "$FindBin::Bin/../../build/loomd";
	$self->{tmp} = tempdir("loomtest-XXXXXX", TMPDIR => 1,
	    CLEANUP => !($ENV{LOOM_KEEP_TMP} // ''));
	$self->{data} = "$self->{tmp}/data";
	$self->{log} = "$self->{tmp}/loomd.log";
	mkdir $self->{data} or die "mkdir $self->{data}: $!";
	my @args = ('--foreground', '--listen', '127.0.0.1:0', '--data',
	    $self->{data});
	if (defined $opt{config}) {
		my $conf = "$self->{tmp}/loom.conf";
		open(my $cf, '>', $conf) or die "$conf: $!";
		print $cf $opt{config};
		close $cf;
		push @args, '--config', $conf;
	}
	ok(-x $self->{loomd}, "loomd binary exists ($self->{loomd})")
	    or BAIL_OUT("no loomd");
	my $pid = fork();
	die "fork: $!" unless defined $pid;
	if ($pid == 0) {
		open(STDIN, '<', '/dev/null');
		open(STDOUT, '>>', $self->{log}) or die;
		open(STDERR, '>&', \*STDOUT) or die;
		exec($self->{loomd}, @args) or die "exec $self->{loomd}: $!";
	}
	$self->{pid} = $pid;
	$self->{exited} = 0;
	my $deadline = time + 20 * $SCALE;
	while (time < $deadline) {
		my $t = $self->slurp;
		if ($t =~ /ready to accept connections/) {
			my $before = substr($t, 0, $-[0]);
			if ($before =~ /listening on (\[[^\]]+\]|[0-9.]+):(\d+)/) {
				($self->{host}, $self->{port}) = ($1, $2);
				$self->{host} =~ s/^\[|\]$//g;
			}
			last;
		}
		if (waitpid($pid, WNOHANG) == $pid) {
			$self->{exited} = 1;
			last;
		}
		sleep 0.05;
	}
	ok(defined $self->{port}, "loomd ready, listening on " .
	    ($self->{port} ? "$self->{host}:$self->{port}" : "?"))
	    or do { $self->log_tail; $self->kill_now; BAIL_OUT("loomd did not start") };
	return $self;
}

sub port { $_[0]{port} }

sub slurp {
	my ($self) = @_;
	open(my $fh, '<', $self->{log}) or return '';
	local $/;
	my $t = <$fh>;
	close $fh;
	return $t // '';
}

sub log_tail {
	my ($self) = @_;
	my @l = split /\n/, $self->slurp;
	@l = @l[-25 .. -1] if @l > 25;
	diag($_) for @l;
}

# TERM, wait up to 10 s (times LOOM_TIMEOUT_SCALE); KILL only as a last
# resort (then -2).
sub kill_now {
	my ($self) = @_;
	return -1 if $self->{exited};
	kill 'TERM', $self->{pid};
	my $until = time + 10 * $SCALE;
	while (time < $until) {
		if (waitpid($self->{pid}, WNOHANG) == $self->{pid}) {
			$self->{exited} = 1;
			return $?;
		}
		sleep 0.05;
	}
	kill 'KILL', $self->{pid};
	waitpid($self->{pid}, 0);
	$self->{exited} = 1;
	return -2;
}

# The closing checks every Perl test makes: clean exit, no sanitizer or
# valgrind report.
sub stop_and_check {
	my ($self) = @_;
	my $status = $self->kill_now;
	is($status, 0, 'loomd exits with status 0 on SIGTERM') or $self->log_tail;
	my @san = grep { /$MEMORY_ERROR/ } split /\n/, $self->slurp;
	ok(!@san, 'no sanitizer or valgrind report in the log')
	    or do { diag($_) for @san; $self->log_tail };
}

1;
