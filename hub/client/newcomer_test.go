package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/internal/plenarytest"
	"github.com/plenary/plenary/protocol"
)

// start runs a server with a board on it, its facilitator connected and
// notes notes added, and returns the server's address, the board's id
// and the facilitator's client, with a context for the test.
func start(t *testing.T, notes int) (ctx context.Context, url, id string, fac *client.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	url = plenarytest.Start(t).URL
	resp, err := http.Post(url+"/api/boards", "application/json", strings.NewReader(`{"title":"Newcomers","prompt":"Who joins how?"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var created struct{ ID, FacilitatorURL string }
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create a board: %d %v", resp.StatusCode, err)
	}
	_, token, _ := strings.Cut(created.FacilitatorURL, "#key=")
	fac, err = client.Dial(ctx, url, client.Hello{Board: created.ID, Token: token}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fac.Close() })
	if notes > 0 {
		addNotes(ctx, t, fac, notes)
	}
	return ctx, url, created.ID, fac
}

// newcomer is the hello of a newcomer who joins over HTTP under joinID.
func newcomer(id, joinID string) client.Hello {
	return client.Hello{Board: id, Join: &client.Join{Name: "Ana", Role: board.CivilSociety}, JoinID: joinID}
}

// addNotes has the facilitator c add n notes to a group's chart, so
// that a board is more than its start.
func addNotes(ctx context.Context, t *testing.T, c *client.Client, n int) {
	t.Helper()
	if len(c.Replica()["group"]) == 0 {
		if _, err := c.Do(ctx, board.Op{Kind: board.GroupsForm, Size: 4}); err != nil {
			t.Fatal(err)
		}
	}
	half := 0.5
	for range n {
		if _, err := c.Do(ctx, board.Op{Kind: board.NoteAdd, Chart: "g1", X: &half, Y: &half, Text: "Bring the ministries to one table"}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestJoinOverHTTP: a newcomer who joins as the web app does is sent the
// board over HTTP, once, and its socket only what came after; it ends
// holding the same board as a newcomer who joined in the socket's hello.
func TestJoinOverHTTP(t *testing.T) {
	ctx, url, id, fac := start(t, 5)

	var mu sync.Mutex
	var snaps []client.Frame
	web, err := client.Dial(ctx, url, newcomer(id, "j-ana"), client.Options{
		OnFrame: func(f client.Frame, _ time.Time) {
			if f.T == "snap" {
				mu.Lock()
				snaps = append(snaps, f)
				mu.Unlock()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer web.Close()
	if web.Token == "" || web.You == "" {
		t.Fatalf("welcomed with token %q as %q", web.Token, web.You)
	}
	socket, err := client.Dial(ctx, url, client.Hello{Board: id, Join: &client.Join{Name: "Bea", Role: board.CivilServant}}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer socket.Close()

	addNotes(ctx, t, fac, 2)
	last := fac.Seq()
	for _, c := range []*client.Client{web, socket} {
		if err := c.WaitSeq(ctx, last); err != nil {
			t.Fatal(err)
		}
	}
	// Each holds the board, and their own votes.
	got, want := web.Replica(), socket.Replica()
	if _, ok := got["myvotes"][web.You]; !ok || len(got["myvotes"]) != 1 {
		t.Errorf("the newcomer who joined over HTTP holds the votes of %v, want their own (%s)", slices.Collect(maps.Keys(got["myvotes"])), web.You)
	}
	delete(got, "myvotes")
	delete(want, "myvotes")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the newcomer who joined over HTTP holds\n%s\nthe one who joined on the socket\n%s", show(got), show(want))
	}
	if len(web.Replica()["note"]) != 7 {
		t.Errorf("%d notes, want 7", len(web.Replica()["note"]))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(snaps) != 1 {
		t.Fatalf("%d snap frames, want the one over HTTP: the socket should resume from it", len(snaps))
	}
	if s := snaps[0]; s.You != web.You || s.Facilitator || s.Seq < 6 || len(s.Changes) == 0 {
		t.Errorf("the board over HTTP: seq %d, %d changes, you %q (welcomed as %q), facilitator %v", s.Seq, len(s.Changes), s.You, web.You, s.Facilitator)
	}
}

// show writes a replica for a person.
func show(replica map[string]map[string]json.RawMessage) string {
	b, _ := json.MarshalIndent(replica, "", " ")
	return string(b)
}

// TestJoinAgain: a join sent again with the same id is the same newcomer,
// added once; another id is another newcomer.
func TestJoinAgain(t *testing.T) {
	ctx, url, id, fac := start(t, 0)
	join := func(joinID string) *client.Client {
		t.Helper()
		c, err := client.Dial(ctx, url, newcomer(id, joinID), client.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	first, again, other := join("j-1"), join("j-1"), join("j-2")
	if again.You != first.You {
		t.Errorf("the join sent again is %q, the first %q", again.You, first.You)
	}
	if other.You == first.You {
		t.Errorf("a join with another id is %q too", other.You)
	}
	if err := fac.WaitSeq(ctx, other.Seq()); err != nil {
		t.Fatal(err)
	}
	if n := len(fac.Replica()["participant"]); n != 3 {
		t.Errorf("%d participants, want the facilitator and two newcomers", n)
	}

	// A refusal is the server's, with its code.
	_, err := client.Dial(ctx, url, client.Hello{Board: id, Join: &client.Join{Name: "", Role: board.CivilSociety}, JoinID: "j-3"}, client.Options{})
	var refused *board.Error
	if !errors.As(err, &refused) || refused.Code != board.CodeBadOp {
		t.Errorf("a join with no name: %v, want a %s refusal", err, board.CodeBadOp)
	}
}

// TestJoinOverHTTPLight: a light newcomer reads only the head of the
// board it is sent over HTTP, and is handed it as the socket's snap
// frame, with the bytes it took; its socket then brings only what
// followed.
func TestJoinOverHTTPLight(t *testing.T) {
	ctx, url, id, fac := start(t, 40)

	// Handed on Dial's goroutine, then on the read goroutine.
	var mu sync.Mutex
	var read int
	var types []string
	var snapSeq uint64
	c, err := client.Dial(ctx, url, newcomer(id, "j-light"), client.Options{
		Light: &client.Light{
			Read: func(n int) {
				mu.Lock()
				read += n
				mu.Unlock()
			},
			Frame: func(h *protocol.Header) {
				mu.Lock()
				defer mu.Unlock()
				types = append(types, string(h.T))
				if string(h.T) == "snap" {
					snapSeq = h.Seq
				}
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mu.Lock()
	gotSnap, gotRead := snapSeq, read
	mu.Unlock()
	if gotSnap < 41 || c.Seq() < gotSnap {
		t.Fatalf("the board came at seq %d, the client holds %d; the board is at %d", gotSnap, c.Seq(), fac.Seq())
	}
	// 40 notes of 33 characters and more, gzipped: a few hundred bytes,
	// where the whole frame is thousands.
	if gotRead < 100 || gotRead > 4000 {
		t.Errorf("the board took %d bytes on the wire", gotRead)
	}

	addNotes(ctx, t, fac, 1)
	if err := c.WaitSeq(ctx, fac.Seq()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if types[0] != "snap" || strings.Count(strings.Join(types, " "), "snap") != 1 {
		t.Errorf("frames %v: want the board over HTTP first and no snap on the socket", types)
	}
}
