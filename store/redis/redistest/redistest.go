// Package redistest starts real redis-server processes for tests, on free
// ports in temporary directories, so a test can kill, restart and empty
// them. It is not a fake: whatever runs against it runs against Redis.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Server is one redis-server process.
type Server struct {
	t    testing.TB
	port int
	dir  string
	args []string
	cmd  *exec.Cmd
	// exited is closed once cmd has exited and been waited for.
	exited chan struct{}
}

// Persistent makes a server keep its data in an append-only file fsynced
// on every write, so a restart after SIGKILL loses nothing acknowledged.
var Persistent = []string{"--appendonly", "yes", "--appendfsync", "always"}

// Start starts redis-server with args on a free port; it is stopped when
// the test ends. Without Persistent the server keeps nothing on disk.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is not installed (make test installs it from Debian's packages): %v", err)
	}
	s := &Server{t: t, dir: t.TempDir(), args: args}
	// A port found free may be taken by another test process before
	// redis-server binds it: then another port is tried.
	for range 5 {
		s.port = freePort(t)
		if err = s.start(bin); err == nil {
			t.Cleanup(s.Stop)
			return s
		}
		s.Kill()
	}
	t.Fatalf("start redis-server: %v", err)
	return nil
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// start runs redis-server on s.port and waits until it answers. It fails
// if the process exits or another process answers on the port, so a test
// never pauses or empties one server while its clients talk to another.
func (s *Server) start(bin string) error {
	args := append([]string{
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--dir", s.dir,
		"--save", "", "--daemonize", "no", "--protected-mode", "no",
		"--logfile", filepath.Join(s.dir, "redis.log"),
	}, s.args...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	s.cmd, s.exited = cmd, exited
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-exited:
			return fmt.Errorf("redis-server on %s exited: %s", s.Addr(), s.log())
		default:
		}
		c := goredis.NewClient(&goredis.Options{Addr: s.Addr(), MaxRetries: -1})
		info, err := c.Info(context.Background(), "server").Result()
		c.Close()
		if err == nil {
			if pid := processID(info); pid != cmd.Process.Pid {
				return fmt.Errorf("process %d, not the redis-server started (%d), answers on %s", pid, cmd.Process.Pid, s.Addr())
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on %s did not answer: %v\n%s", s.Addr(), err, s.log())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// processID reads process_id from the server section of INFO.
func processID(info string) int {
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(line, "process_id:"); ok {
			pid, _ := strconv.Atoi(strings.TrimSpace(v))
			return pid
		}
	}
	return 0
}

func (s *Server) log() string {
	log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	return string(log)
}

// Addr is host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL is the server's redis:// URL.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Kill kills the server with SIGKILL, as a crash would.
func (s *Server) Kill() {
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.exited
		s.cmd = nil
	}
}

// Pause stops the server with SIGSTOP, as a stall would (a long fork, a
// swapped-out machine): connections stay open and requests wait, unread.
func (s *Server) Pause() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		s.t.Fatalf("pause redis-server: %v", err)
	}
}

// Resume lets a paused server go on (SIGCONT).
func (s *Server) Resume() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		s.t.Fatalf("resume redis-server: %v", err)
	}
}

// Restart starts the server again on the same port and directory, so with
// Persistent it comes back with its data.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	bin, _ := exec.LookPath("redis-server")
	if err := s.start(bin); err != nil {
		s.t.Fatalf("restart redis-server: %v", err)
	}
}

// Stop kills the server if it runs.
func (s *Server) Stop() { s.Kill() }

// Client is a plain client of the server, for a test's own commands.
func (s *Server) Client() *goredis.Client {
	c := goredis.NewClient(&goredis.Options{Addr: s.Addr()})
	s.t.Cleanup(func() { c.Close() })
	return c
}

// Cluster is a Redis Cluster of three primaries.
type Cluster struct {
	Nodes []*Server
}

// StartCluster starts three cluster-enabled servers and joins them with
// redis-cli --cluster create, waiting until the cluster is ok.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	c := &Cluster{}
	var addrs []string
	for range 3 {
		n := Start(t, "--cluster-enabled", "yes", "--cluster-node-timeout", "2000", "--cluster-config-file", "nodes.conf", "--appendonly", "no")
		c.Nodes = append(c.Nodes, n)
		addrs = append(addrs, n.Addr())
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Fatalf("redis-cli is not installed (make test installs redis-tools): %v", err)
	}
	out, err := exec.Command(cli, append(append([]string{"--cluster", "create"}, addrs...), "--cluster-replicas", "0", "--cluster-yes")...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, n := range c.Nodes {
		for {
			info, err := n.Client().ClusterInfo(context.Background()).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("cluster on %v not ok: %v %s", addrs, err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return c
}

// URL is the cluster's redis+cluster:// URL.
func (c *Cluster) URL() string {
	var addrs []string
	for _, n := range c.Nodes {
		addrs = append(addrs, n.Addr())
	}
	return fmt.Sprintf("redis+cluster://%s", strings.Join(addrs, ","))
}
