package workshop

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/cmd/plenary-load/internal/measure"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/internal/plenarytest"
)

// TestPhases checks that the pacer gets a board through the whole agenda:
// notes in brainstorm, themes in cluster and dots in vote, with nothing
// refused. The agenda is timed, as a workshop's is; each phase lasts
// seconds, so a busy machine that takes a second to settle a board and
// move it on still leaves time for ops in every phase.
func TestPhases(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w, m := openBoard(ctx, t, 20)
	plan := Plan{Rate: 40, DragFrames: 2, Warmup: 200 * time.Millisecond, Duration: 10 * time.Second}
	playing, stop := context.WithTimeout(ctx, plan.Warmup+plan.Duration)
	defer stop()
	Play(playing, []*Board{w}, m, plan, time.Now())

	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for w.Unfinished() > 0 {
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("%d screens never caught up", w.Unfinished())
		}
	}
	notes, themes := w.counts()
	if notes == 0 || themes == 0 {
		t.Errorf("%d notes and %d themes: want some of each", notes, themes)
	}
	if got := w.currentPhase(); got != board.Vote {
		t.Errorf("the board ended in %q, want vote", got)
	}
	var votes int
	for _, c := range w.People {
		votes += len(c.votes)
	}
	if votes == 0 {
		t.Error("nobody voted")
	}
	if sent, refused := m.Counts.Sent.Load(), m.Tally().Refused; sent == 0 || len(refused) > 0 {
		t.Errorf("%d ops sent, refused %v: want some sent and none refused", sent, refused)
	}
}

// openBoard creates a board on a real server and connects its facilitator
// and n participants of both roles in breakout groups, as a run does.
func openBoard(ctx context.Context, t *testing.T, n int) (*Board, *measure.Meter) {
	t.Helper()
	url := plenarytest.Start(t).URL
	m := measure.NewMeter()
	w, err := Create(ctx, http.DefaultClient, url, "Phases", m, RingFor(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		m.Stop()
		for _, c := range w.Screens() {
			c.Close()
		}
	})
	screens := screenClient()
	if w.Facilitator, err = Dial(ctx, screens, url, w, client.Hello{Board: w.ID, Token: w.Token}, MaxWindow); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		role := board.CivilServant
		if i%2 == 1 {
			role = board.CivilSociety
		}
		c, err := Dial(ctx, screens, url, w, client.Hello{Board: w.ID, Join: &client.Join{Name: "Participant " + strconv.Itoa(i+1), Role: role}, JoinID: "j" + strconv.Itoa(i+1)}, MaxWindow)
		if err != nil {
			t.Fatal(err)
		}
		w.People = append(w.People, c)
	}
	if err := w.FormGroups(ctx, http.DefaultClient); err != nil {
		t.Fatal(err)
	}
	return w, m
}
