package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
)

// TestDurableAcrossKill runs the built binary, gets ops acknowledged while
// several participants write at once, kills it with SIGKILL mid-stream and
// starts it again on the same data directory: every acknowledged note is
// there, and the old session tokens still open the board.
func TestDurableAcrossKill(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "plenary")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	data := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	srv := startBinary(t, bin, addr, data)

	resp, err := http.Post(base+"/api/boards", "application/json", strings.NewReader(`{"title":"Durability","prompt":"Does it survive?"}`))
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		ID             string `json:"id"`
		FacilitatorURL string `json:"facilitatorUrl"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	_, key, _ := strings.Cut(created.FacilitatorURL, "#key=")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	fac, err := client.Dial(ctx, base, client.Hello{Board: created.ID, Token: key}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var writers []*client.Client
	for i := range 4 {
		c, err := client.Dial(ctx, base, client.Hello{Board: created.ID, Join: &client.Join{Name: fmt.Sprintf("W%d", i), Role: []board.Role{board.CivilServant, board.CivilSociety}[i%2]}}, client.Options{})
		if err != nil {
			t.Fatal(err)
		}
		writers = append(writers, c)
	}
	if _, err := fac.Do(ctx, board.Op{Kind: board.GroupsForm, Size: 2}); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	for _, c := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.WaitSeq(ctx, 6); err != nil {
				return
			}
			var p board.Participant
			c.Get("participant", c.You, &p)
			for i := 0; ; i++ {
				x := float64(i%10) / 10
				f, err := c.Do(ctx, board.Op{Kind: board.NoteAdd, Chart: p.Group, Text: fmt.Sprintf("%s %d", c.You, i), X: &x, Y: &x})
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				acked[fmt.Sprintf("n%d", f.Seq)] = true
				mu.Unlock()
			}
		}()
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 40 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("only %d notes acknowledged before the kill", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = srv.Wait()
	wg.Wait()

	startBinary(t, bin, addr, data)
	again, err := client.Dial(ctx, base, client.Hello{Board: created.ID, Token: key}, client.Options{})
	if err != nil {
		t.Fatalf("the facilitator's link no longer opens the board: %v", err)
	}
	defer again.Close()
	notes := again.Replica()["note"]
	mu.Lock()
	defer mu.Unlock()
	for id := range acked {
		if _, ok := notes[id]; !ok {
			t.Errorf("acknowledged note %s was lost", id)
		}
	}
	t.Logf("%d notes acknowledged before SIGKILL, %d on the board after restart", len(acked), len(notes))
	if _, err := again.Do(ctx, board.Op{Kind: board.PhaseSet, Phase: board.Share}); err != nil {
		t.Fatalf("the restarted board refuses the facilitator: %v", err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startBinary starts the server and waits until /readyz answers.
func startBinary(t *testing.T, bin, addr, data string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "PLENARY_ADDR="+addr, "PLENARY_DATA="+data, "PLENARY_SECRET=")
	cmd.Stderr = t.Output()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return cmd
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the server did not become ready")
	return nil
}
