package workshop

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/cmd/plenary-load/internal/measure"
)

// pacer plays open-loop workshops: ops at a steady total rate spread over
// the boards in turn and over random participants, each board going
// through brainstorm, cluster and vote on the same timeline, drags
// streamed before their moves. It is the only goroutine that sends in
// such a run, so the plan (phases asked for, drags under way, notes put
// in themes, votes cast) needs no lock.
//
// A board changes phase as a careful facilitator would: it stops taking
// new ops, waits until those in flight are answered and the drags are
// dropped, then sets the phase. Otherwise a note sent just before the
// phase.set could be sequenced just after it and be refused, and the run
// would count refusals the room never caused.
type pacer struct {
	plan   Plan
	boards []*Board
	m      *measure.Meter
	rng    *rand.Rand
	// agendas is the phase each board's timeline is in, by board.
	agendas []board.Phase
	drags   []drag
	next    int // the board the next op goes to
	ideas   int
}

// drag is a note on its way from one place to another.
type drag struct {
	w              *Board
	c              *Screen
	note           string
	x0, y0, x1, y1 float64
	step           int
}

// dragEvery spaces a drag's positions: 20 a second, the most the server
// passes on.
const dragEvery = 50 * time.Millisecond

// votesEach is the vote budget of boards made with default settings.
const votesEach = 3

// Plan is what the pacer plays: Rate ops a second over all the boards,
// an agenda timed over Warmup and the measured Duration, and drags that
// stream DragFrames positions before their note.move (none when 0).
type Plan struct {
	Rate             float64
	Warmup, Duration time.Duration
	DragFrames       int
}

// Play plays open-loop workshops on boards from start until ctx is done;
// their screens are connected and their groups formed.
func Play(ctx context.Context, boards []*Board, m *measure.Meter, plan Plan, start time.Time) {
	newPacer(plan, boards, m).play(ctx, start)
}

func newPacer(plan Plan, boards []*Board, m *measure.Meter) *pacer {
	return &pacer{plan: plan, boards: boards, m: m, rng: rand.New(rand.NewPCG(1, 2)), agendas: make([]board.Phase, len(boards))}
}

// phaseSpread is the share of the measured time over which the boards'
// facilitators move on, one after another: facilitators of separate
// workshops never click in the same millisecond, and 250 boards moving to
// cluster at once would each lay out every note for every participant,
// hundreds of megabytes in one burst that no steady rate of ops makes.
const phaseSpread = 0.25

// phaseAt is board i's agenda: brainstorm through the warm-up and the
// first 40% of the measured time, cluster to 70%, then vote, each board
// later than the one before by its share of phaseSpread.
func (p *pacer) phaseAt(i int, elapsed time.Duration) board.Phase {
	lag := phaseSpread * float64(i) / float64(len(p.boards))
	measured := float64(elapsed-p.plan.Warmup)/float64(p.plan.Duration) - lag
	switch {
	case measured < 0.4:
		return board.Brainstorm
	case measured < 0.7:
		return board.Cluster
	}
	return board.Vote
}

// play sends ops from start until ctx is done.
func (p *pacer) play(ctx context.Context, start time.Time) {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	sent, lastDrag := 0, start
	for {
		var now time.Time
		select {
		case <-ctx.Done():
			return
		case now = <-tick.C:
		}
		elapsed := now.Sub(start)
		for i := range p.boards {
			p.agendas[i] = p.phaseAt(i, elapsed)
		}
		p.setPhases()
		for due := int(elapsed.Seconds() * p.plan.Rate); sent < due; sent++ {
			if !p.act() {
				p.m.Counts.Skipped.Add(1)
			}
		}
		if now.Sub(lastDrag) >= dragEvery {
			p.stepDrags()
			lastDrag = now
		}
	}
}

// setPhases moves each settled board to its agenda's phase.
func (p *pacer) setPhases() {
	for i, w := range p.boards {
		agenda := p.agendas[i]
		if w.asked == agenda || !w.settledDown() {
			continue
		}
		w.wanted.Store(agenda)
		if w.Facilitator.trySend(&board.Op{Kind: board.PhaseSet, Phase: agenda}) {
			w.asked = agenda
		}
	}
}

// act sends the next op on the next board that is in its agenda's phase.
func (p *pacer) act() bool {
	for range p.boards {
		w, agenda := p.boards[p.next], p.agendas[p.next]
		p.next = (p.next + 1) % len(p.boards)
		if w.asked == agenda && w.currentPhase() == w.asked {
			return p.actOn(w, w.asked)
		}
	}
	return false
}

func (p *pacer) actOn(w *Board, phase board.Phase) bool {
	switch phase {
	case board.Brainstorm:
		if n, ok := w.pickNote(p.rng.Int()); ok && p.rng.Float64() < 0.3 && p.startDrag(w, n.Author, n.ID) {
			return true
		}
		return p.addNote(w)
	case board.Cluster:
		notes, themes := w.counts()
		switch r := p.rng.Float64(); {
		case notes == 0:
			return false
		case r < 0.4:
			n, _ := w.pickNote(p.rng.Int())
			return p.startDrag(w, p.person(w), n.ID)
		case r < 0.6 || themes == 0:
			return p.createTheme(w, themes)
		default:
			return p.themeNote(w)
		}
	case board.Vote:
		return p.vote(w)
	}
	return false
}

// person picks a participant free to act: not dragging, with room in its
// window of ops in flight (only the pacer takes room, so it stays free
// until the pacer sends).
func (p *pacer) person(w *Board) *Screen {
	for range 8 {
		c := w.People[p.rng.IntN(len(w.People))]
		if !c.dragging && len(c.credits) > 0 {
			return c
		}
	}
	return nil
}

// ideas are what participants write, made distinct by a number.
var ideas = []string{
	"A shared calendar of events across departments",
	"Monthly open office hours with the ministry",
	"Plain-language summaries of every consultation",
	"A register of who works on what, public by default",
	"Pair a civil servant with a community organiser",
	"Publish the data behind each decision",
	"Funding for small pilots, decided in weeks not years",
	"One contact point for community groups",
}

func (p *pacer) addNote(w *Board) bool {
	c := p.person(w)
	if c == nil {
		return false
	}
	p.ideas++
	text := fmt.Sprintf("%s (%d)", ideas[p.ideas%len(ideas)], p.ideas)
	return c.trySend(&board.Op{Kind: board.NoteAdd, Chart: c.group, Text: text, X: p.fraction(), Y: p.fraction()})
}

func (p *pacer) createTheme(w *Board, themes int) bool {
	if themes >= board.MaxThemes {
		return false
	}
	c := p.person(w)
	if c == nil {
		return false
	}
	var notes []string
	for range 3 {
		if n, ok := w.pickNote(p.rng.Int()); ok && !w.themed[n.ID] && !slices.Contains(notes, n.ID) {
			notes = append(notes, n.ID)
		}
	}
	if len(notes) == 0 {
		return false // an empty theme would not be on the ballot
	}
	for _, id := range notes {
		w.themed[id] = true
	}
	op := &board.Op{Kind: board.ThemeCreate, Name: fmt.Sprintf("Theme %d", themes+1), Notes: notes, X: p.fraction(), Y: p.fraction()}
	return c.trySend(op)
}

// themeNote moves a loose note into a theme. Only loose ones: a note
// taken out of a theme could leave it empty, off the ballot, and a dot on
// it refused.
func (p *pacer) themeNote(w *Board) bool {
	n, ok := w.pickNote(p.rng.Int())
	theme, _ := w.pickTheme(p.rng.Int())
	c := p.person(w)
	if c == nil || !ok || w.themed[n.ID] {
		return false
	}
	w.themed[n.ID] = true
	return c.trySend(&board.Op{Kind: board.NoteTheme, Note: n.ID, Theme: theme})
}

// vote casts a dot on a theme or an unclustered note; someone whose dots
// are all used takes their oldest back instead.
func (p *pacer) vote(w *Board) bool {
	c := p.person(w)
	if c == nil {
		return false
	}
	if len(c.votes) == votesEach {
		item := c.votes[0]
		c.votes = c.votes[1:]
		return c.trySend(&board.Op{Kind: board.VoteRetract, Item: item})
	}
	for range 4 {
		item, ok := p.voteItem(w)
		if ok && !slices.Contains(c.votes, item) {
			c.votes = append(c.votes, item)
			return c.trySend(&board.Op{Kind: board.VoteCast, Item: item})
		}
	}
	return false
}

func (p *pacer) voteItem(w *Board) (string, bool) {
	n, ok := w.pickNote(p.rng.Int())
	if !ok {
		return "", false
	}
	if w.themed[n.ID] {
		return w.pickTheme(p.rng.Int())
	}
	return n.ID, true
}

// startDrag begins streaming a note's positions from c; its note.move
// goes when the drag ends.
func (p *pacer) startDrag(w *Board, c *Screen, note string) bool {
	if c == nil || c.dragging {
		return false
	}
	d := drag{w: w, c: c, note: note, x0: p.rng.Float64(), y0: p.rng.Float64(), x1: p.rng.Float64(), y1: p.rng.Float64()}
	if p.plan.DragFrames == 0 {
		return p.drop(d)
	}
	c.dragging = true
	w.drags++
	p.drags = append(p.drags, d)
	return true
}

// stepDrags sends every drag's next position and ends the finished ones.
func (p *pacer) stepDrags() {
	kept := p.drags[:0]
	for _, d := range p.drags {
		d.step++
		t := float64(d.step) / float64(p.plan.DragFrames)
		err := d.c.drag(d.note, d.x0+(d.x1-d.x0)*t, d.y0+(d.y1-d.y0)*t)
		if err == nil && d.step < p.plan.DragFrames {
			kept = append(kept, d)
			continue
		}
		d.c.dragging = false
		d.w.drags--
		if err == nil && !p.drop(d) {
			p.m.Counts.Skipped.Add(1)
		}
	}
	p.drags = kept
}

// drop sends the note.move that ends a drag, if the board is still in a
// phase where notes move.
func (p *pacer) drop(d drag) bool {
	if d.w.asked != d.w.currentPhase() || d.w.asked == board.Vote {
		return false
	}
	return d.c.trySend(&board.Op{Kind: board.NoteMove, Note: d.note, X: &d.x1, Y: &d.y1})
}

func (p *pacer) fraction() *float64 {
	f := 0.05 + 0.9*p.rng.Float64()
	return &f
}
