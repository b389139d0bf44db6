package static_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/internal/workshoptest"
)

// room is a workshop of the scenario's people, each on their own real
// websocket, built through the protocol as the room would build it.
type room struct {
	t              testing.TB
	base           string
	code           string
	facilitatorURL string
	joinURL        string
	fac            *client.Client
	people         []*client.Client
}

// newRoom creates the scenario's board, joins every participant, forms
// the groups and has the room write that many notes in brainstorm, cycling
// through the scenario's ideas (a later round adds the person's name, so
// that every note is its own).
func newRoom(t testing.TB, base string, notes int) *room {
	t.Helper()
	sc := workshoptest.Load()
	body, _ := json.Marshal(map[string]any{"title": sc.Title, "prompt": sc.Prompt})
	res, err := http.Post(base+"/api/boards", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		ID             string `json:"id"`
		JoinURL        string `json:"joinUrl"`
		FacilitatorURL string `json:"facilitatorUrl"`
	}
	err = json.NewDecoder(res.Body).Decode(&created)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("create the board: %s, %v", res.Status, err)
	}
	_, token, _ := strings.Cut(created.FacilitatorURL, "#key=")
	r := &room{t: t, base: base, code: created.ID, facilitatorURL: created.FacilitatorURL, joinURL: created.JoinURL}
	r.fac = r.dial(client.Hello{Board: created.ID, Token: token})
	for _, p := range sc.Participants {
		if p.Role == board.RoleFacilitator {
			continue
		}
		r.people = append(r.people, r.dial(client.Hello{Board: created.ID, Join: &client.Join{Name: p.Name, Role: p.Role}}))
	}
	r.do(r.fac, board.Op{Kind: board.GroupsForm, Size: sc.GroupSize})
	r.write(notes)
	return r
}

// write has the room write that many notes on their groups' charts,
// once everyone knows their group.
func (r *room) write(notes int) {
	r.t.Helper()
	for _, p := range r.people {
		if err := p.WaitSeq(r.within(), r.fac.Seq()); err != nil {
			r.t.Fatal(err)
		}
	}
	ideas := workshoptest.Load().Ideas
	for i := range notes {
		who := r.people[i%len(r.people)]
		text := ideas[i%len(ideas)]
		if round := i / len(ideas); round > 0 {
			text = fmt.Sprintf("%s (%d)", text, round+1)
		}
		var me struct {
			Group string `json:"group"`
		}
		who.Get("participant", who.You, &me)
		r.do(who, board.Op{Kind: board.NoteAdd, Chart: me.Group, Text: text, Color: board.Colors[i%len(board.Colors)]})
	}
}

// within bounds one exchange with the server, not the room's life: a
// test may keep a room for minutes on a busy machine.
func (r *room) within() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	r.t.Cleanup(cancel)
	return ctx
}

func (r *room) dial(h client.Hello) *client.Client {
	r.t.Helper()
	c, err := client.Dial(r.within(), r.base, h, client.Options{})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { c.Close() })
	return c
}

// do sends op as c and fails the test unless it is applied; it returns
// the changes.
func (r *room) do(c *client.Client, op board.Op) []client.Change {
	r.t.Helper()
	f, err := c.Do(r.within(), op)
	if err != nil {
		r.t.Fatalf("%s: %v", op.Kind, err)
	}
	return f.Changes
}

// phase moves the board to p.
func (r *room) phase(p board.Phase) {
	r.t.Helper()
	r.do(r.fac, board.Op{Kind: board.PhaseSet, Phase: p})
}

// cluster gathers the first of every chart's notes into themes themes of
// perTheme notes each, named as a plenary would, leaving the rest loose:
// the canvas mid-clustering.
func (r *room) cluster(themes, perTheme int) {
	r.t.Helper()
	names := []string{
		"Shared calendars and one intake form", "Joint field visits", "Community radio and local languages",
		"Training together", "Data the communities can use", "Transport to services", "Youth and elders",
		"Legal aid and documents", "Farmers and fishers", "Disability access in every service",
	}
	var ids []string
	for id := range r.fac.Replica()["note"] {
		ids = append(ids, id)
	}
	ids = sortedByNumber(ids)
	for i := range themes {
		if (i+1)*perTheme > len(ids) {
			break
		}
		r.do(r.fac, board.Op{Kind: board.ThemeCreate, Name: names[i%len(names)], Notes: ids[i*perTheme : (i+1)*perTheme]})
	}
}

// sortedByNumber orders ids as the server numbers them: n2 before n10.
func sortedByNumber(ids []string) []string {
	num := func(id string) int {
		n, _ := strconv.Atoi(strings.TrimLeft(id, "abcdefghijklmnopqrstuvwxyz"))
		return n
	}
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b string) int { return cmp.Compare(num(a), num(b)) })
	return out
}
