// Package usage reads what the server and the load generator use of the
// machine: the server's resident memory (from /proc for a local process,
// else from each instance's /metrics), CPU time and garbage collection,
// how busy the cores each is pinned to are, and this process's open files.
package usage

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// Memory is the servers' resident memory in bytes and where it was read:
// the local process pid's, or (pid 0) the sum of the instances'.
func Memory(ctx context.Context, httpc *http.Client, pid int, urls []string) (uint64, string, error) {
	if pid != 0 {
		rss, err := residentKiB(pid)
		return rss * 1024, fmt.Sprintf("/proc/%d/status VmRSS", pid), err
	}
	var total uint64
	for _, base := range urls {
		rss, err := metricsRSS(ctx, httpc, base)
		if err != nil {
			return 0, "", err
		}
		total += rss
	}
	return total, "/metrics process_resident_memory_bytes", nil
}

func residentKiB(pid int) (uint64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no VmRSS", pid)
}

// metricsRSS reads process_resident_memory_bytes from an instance's
// /metrics, the name Prometheus' process collector gives it.
func metricsRSS(ctx context.Context, httpc *http.Client, base string) (uint64, error) {
	v, err := readMetrics(ctx, httpc, base, "process_resident_memory_bytes")
	if err != nil {
		return 0, fmt.Errorf("%w; give the server's -pid", err)
	}
	return uint64(v[0]), nil
}

// readMetrics reads the named unlabelled metrics from an instance's
// /metrics, in the order named.
func readMetrics(ctx context.Context, httpc *http.Client, base string, names ...string) ([]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := httpc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	values := make([]float64, len(names))
	found := 0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		for i, name := range names {
			if rest, ok := bytes.CutPrefix(sc.Bytes(), []byte(name+" ")); ok {
				if values[i], err = strconv.ParseFloat(string(rest), 64); err != nil {
					return nil, fmt.Errorf("%s/metrics: %s: %w", base, name, err)
				}
				found++
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if found < len(names) {
		return nil, fmt.Errorf("%s/metrics lacks some of %s", base, strings.Join(names, ", "))
	}
	return values, nil
}

// GC is the garbage collections the instances have completed and the CPU
// seconds the runtime reckons they took, summed over instances.
func GC(ctx context.Context, httpc *http.Client, urls []string) (collections uint64, cpuSeconds float64, err error) {
	for _, base := range urls {
		v, err := readMetrics(ctx, httpc, base, "go_gc_cycles_total", "go_gc_cpu_seconds_total")
		if err != nil {
			return 0, 0, err
		}
		collections += uint64(v[0])
		cpuSeconds += v[1]
	}
	return collections, cpuSeconds, nil
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on every
// Linux architecture Go runs on.
const clockTicks = 100

// ProcessCPU is the CPU seconds (user and system) process pid has used;
// pid 0 is an error, since it names no process.
func ProcessCPU(pid int) (float64, error) {
	if pid == 0 {
		return 0, errors.New("no server pid")
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces and parentheses; the fields after
	// its last ") " do not.
	i := bytes.LastIndex(stat, []byte(") "))
	fields := strings.Fields(string(stat[i+1:]))
	if i < 0 || len(fields) < 13 {
		return 0, fmt.Errorf("cannot read /proc/%d/stat", pid)
	}
	// utime and stime are fields 14 and 15 of the line, 12 and 13 after
	// the command name.
	user, err1 := strconv.ParseUint(fields[11], 10, 64)
	system, err2 := strconv.ParseUint(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return float64(user+system) / clockTicks, nil
}

// coreTicks reads /proc/stat: for each CPU in cpus, the clock ticks it
// spent busy and in all. Busy counts softirq time, which /proc/PID/stat
// leaves out and which is where loopback TCP spends much of a write.
func coreTicks(cpus []int) (busy, total uint64, err error) {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	want := map[string]bool{}
	for _, c := range cpus {
		want["cpu"+strconv.Itoa(c)] = true
	}
	for line := range strings.Lines(string(stat)) {
		fields := strings.Fields(line)
		if len(fields) < 6 || !want[fields[0]] {
			continue
		}
		for i, f := range fields[1:] {
			n, err := strconv.ParseUint(f, 10, 64)
			if err != nil {
				return 0, 0, err
			}
			total += n
			// Fields 4 and 5 are idle and iowait.
			if i != 3 && i != 4 {
				busy += n
			}
		}
	}
	return busy, total, nil
}

// affinity is the CPUs a process may run on (pid 0: this one).
func affinity(pid int) ([]int, error) {
	var mask [16]uint64 // 1,024 CPUs
	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_GETAFFINITY, uintptr(pid), unsafe.Sizeof(mask), uintptr(unsafe.Pointer(&mask)))
	if errno != 0 {
		return nil, errno
	}
	var cpus []int
	for i, word := range mask {
		for b := range 64 {
			if word&(1<<b) != 0 {
				cpus = append(cpus, i*64+b)
			}
		}
	}
	return cpus, nil
}

// PinnedApart is the CPUs the server process pid and this process may run
// on, when pid is known (not 0) and the two sets are apart, so that each
// set's busy time is its process's (and the softirq it causes).
func PinnedApart(pid int) (server, own []int) {
	if pid == 0 {
		return nil, nil
	}
	theirs, err1 := affinity(pid)
	ours, err2 := affinity(0)
	if err1 != nil || err2 != nil || slices.ContainsFunc(theirs, func(c int) bool { return slices.Contains(ours, c) }) {
		return nil, nil
	}
	return theirs, ours
}

// CoreSpan measures how busy some CPUs are from its start to Busy().
type CoreSpan struct {
	cpus          []int
	busy0, total0 uint64
	err           error
}

// StartSpan starts measuring how busy cpus are.
func StartSpan(cpus []int) CoreSpan {
	s := CoreSpan{cpus: cpus}
	s.busy0, s.total0, s.err = coreTicks(cpus)
	return s
}

// Busy is the CPUs' busy share since the start, summed over them: 1.5 is
// a core and a half; 0 when unknown.
func (s CoreSpan) Busy() float64 {
	busy1, total1, err := coreTicks(s.cpus)
	if s.err != nil || err != nil || total1 <= s.total0 {
		return 0
	}
	return float64(busy1-s.busy0) / float64(total1-s.total0) * float64(len(s.cpus))
}

// OwnCPU is the CPU seconds this process has used: a run whose load
// generator was itself flat out measured the generator, not the server.
func OwnCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// EnsureFileLimit makes room for n connections plus some files. Go raises
// the soft limit to the hard one at start already; this says so plainly
// when even the hard limit is too low, rather than failing mid-run with
// "too many open files".
func EnsureFileLimit(n int) error {
	need := uint64(n) + 64
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur >= need {
		return nil
	}
	lim.Cur = min(need, lim.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("raise the open file limit to %d: %w", lim.Cur, err)
	}
	if lim.Cur < need {
		return fmt.Errorf("%d connections need %d open files; the hard limit is %d (ulimit -Hn)", n, need, lim.Max)
	}
	return nil
}
