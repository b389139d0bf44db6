package redistest

import (
	"os/exec"
	"testing"
)

// TestTakenPort: a server started on a port another redis-server holds
// fails to start, rather than handing the test the other server.
func TestTakenPort(t *testing.T) {
	other := Start(t)
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, port: other.port, dir: t.TempDir()}
	defer s.Kill()
	if err := s.start(bin); err == nil {
		t.Fatalf("a redis-server started on %s, which another one holds", s.Addr())
	} else {
		t.Log(err)
	}
}
