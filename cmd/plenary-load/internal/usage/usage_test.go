package usage

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/plenary/plenary/internal/plenarytest"
)

// TestMemory reads a real server's memory both ways: from /proc for a
// local process (this one, which the server runs in) and from /metrics,
// as for an instance on another machine.
func TestMemory(t *testing.T) {
	ctx := context.Background()
	url := plenarytest.Start(t).URL
	pid := os.Getpid()
	byProc, source, err := Memory(ctx, http.DefaultClient, pid, nil)
	if want := fmt.Sprintf("/proc/%d/status VmRSS", pid); err != nil || source != want || byProc < 1<<20 {
		t.Errorf("from /proc: %d bytes from %q, %v; want over a MiB from %q", byProc, source, err, want)
	}
	byMetrics, source, err := Memory(ctx, http.DefaultClient, 0, []string{url})
	if want := "/metrics process_resident_memory_bytes"; err != nil || source != want || byMetrics < 1<<20 {
		t.Errorf("from /metrics: %d bytes from %q, %v; want over a MiB from %q", byMetrics, source, err, want)
	}
	// Two instances are summed; this one counted twice, read a moment
	// apart.
	both, _, err := Memory(ctx, http.DefaultClient, 0, []string{url, url})
	if err != nil || both < byMetrics*3/2 {
		t.Errorf("two instances: %d bytes, %v; want about twice %d", both, err, byMetrics)
	}
	// A page that is not the server's metrics says what to do instead.
	if _, _, err := Memory(ctx, http.DefaultClient, 0, []string{url + "/healthz"}); err == nil || !strings.Contains(err.Error(), "-pid") {
		t.Errorf("memory from a page with no metrics: %v; want an error pointing to -pid", err)
	}
}

// TestGC counts a collection the test forces in the server's process.
func TestGC(t *testing.T) {
	ctx := context.Background()
	url := plenarytest.Start(t).URL
	n0, cpu0, err := GC(ctx, http.DefaultClient, []string{url})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	n1, cpu1, err := GC(ctx, http.DefaultClient, []string{url})
	if err != nil {
		t.Fatal(err)
	}
	if n1 <= n0 || cpu1 < cpu0 {
		t.Errorf("collections %d then %d, CPU %g s then %g s: want the forced collection counted", n0, n1, cpu0, cpu1)
	}
}

// TestCPU: the CPU time /proc gives this process matches what the kernel
// says it used, and both grow as it works; its cores are busy meanwhile.
func TestCPU(t *testing.T) {
	if _, err := ProcessCPU(0); err == nil {
		t.Error("pid 0 gave a CPU time")
	}
	cores, err := affinity(0)
	if err != nil || len(cores) == 0 {
		t.Fatalf("this process runs on %v, %v", cores, err)
	}
	span := StartSpan(cores)
	proc0, err := ProcessCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	own0 := OwnCPU()
	for OwnCPU()-own0 < 0.2 {
		spin()
	}
	proc1, err := ProcessCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	own := OwnCPU() - own0
	// /proc counts in hundredths of a second.
	if d := proc1 - proc0; d < own-0.05 || d > own+0.5 {
		t.Errorf("/proc says %.2f s of CPU, the kernel %.2f s", d, own)
	}
	if busy := span.Busy(); busy <= 0 || busy > float64(len(cores))+0.01 {
		t.Errorf("cores %v were %.2f busy while this process worked: want above 0, at most %d", cores, busy, len(cores))
	}
}

var sink uint64

// spin works the CPU for a moment.
func spin() {
	for i := range uint64(1 << 20) {
		sink += i * i
	}
}

// TestPinnedApart reads the cores of a process pinned to one core, and
// tells pinned apart from overlapping.
func TestPinnedApart(t *testing.T) {
	ours, err := affinity(0)
	if err != nil {
		t.Fatal(err)
	}
	core := ours[len(ours)-1]
	child := exec.Command("taskset", "-c", fmt.Sprint(core), "sleep", "60")
	if err := child.Start(); err != nil {
		t.Skipf("taskset: %v", err)
	}
	defer func() {
		child.Process.Kill()
		child.Wait()
	}()
	// taskset pins itself, then becomes sleep.
	var theirs []int
	for deadline := time.Now().Add(30 * time.Second); !slices.Equal(theirs, []int{core}); {
		if time.Now().After(deadline) {
			t.Fatalf("the child runs on %v, want [%d]", theirs, core)
		}
		theirs, _ = affinity(child.Process.Pid)
		time.Sleep(10 * time.Millisecond)
	}
	server, own := PinnedApart(child.Process.Pid)
	if len(ours) == 1 {
		if server != nil || own != nil {
			t.Errorf("sharing the one core, PinnedApart gave %v and %v", server, own)
		}
		return
	}
	// This process may run on the child's core too: not apart.
	if server != nil || own != nil {
		t.Errorf("overlapping cores %v and %v were taken as apart", theirs, ours)
	}
	if server, own := PinnedApart(0); server != nil || own != nil {
		t.Errorf("no server pid gave cores %v and %v", server, own)
	}
	// A thread of this process pinned to another core is apart; the
	// thread ends with its goroutine, so the pin goes with it.
	other := ours[0]
	type cores struct{ server, own []int }
	got := make(chan cores)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits
		var mask [16]uint64
		mask[other/64] = 1 << (other % 64)
		if _, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0, unsafe.Sizeof(mask), uintptr(unsafe.Pointer(&mask))); errno != 0 {
			t.Errorf("pin a thread to core %d: %v", other, errno)
		}
		server, own := PinnedApart(child.Process.Pid)
		got <- cores{server, own}
	}()
	if c := <-got; !slices.Equal(c.server, []int{core}) || !slices.Equal(c.own, []int{other}) {
		t.Errorf("pinned to core %d and %d, PinnedApart gave %v and %v", core, other, c.server, c.own)
	}
}

// TestEnsureFileLimit makes room for a few connections and refuses more
// than the hard limit allows.
func TestEnsureFileLimit(t *testing.T) {
	if err := EnsureFileLimit(100); err != nil {
		t.Fatal(err)
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Max > 1<<40 {
		t.Skipf("no hard limit on open files (%d)", lim.Max)
	}
	if err := EnsureFileLimit(int(lim.Max)); err == nil || !strings.Contains(err.Error(), "ulimit -Hn") {
		t.Errorf("%d connections with a hard limit of %d files: %v; want an error naming ulimit -Hn", lim.Max, lim.Max, err)
	}
}
