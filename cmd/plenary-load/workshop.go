package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/plenary/plenary/board"
)

// opKind is what the load generator needs to remember of an op in flight
// to act on its answer.
type opKind uint32

const (
	kindOther opKind = iota
	kindNoteAdd
	kindThemeCreate
	kindPhaseSet
	kindGroupsForm
)

// ringFor is how many recent seqs each of boards remembers the send
// time of: 64Ki slots shared out, at least 4Ki a board. A screen more
// than that many changes behind its board counts the older ones as
// unmatched. It is a power of two, so a seq's slot is a mask away.
func ringFor(boards int) int {
	n := 1 << 16
	for n > 1<<12 && n*boards > 1<<16 {
		n >>= 1
	}
	return n
}

// workshop is one board under load: its screens and what the run has
// learned of it. seqs is written by the reader that reads an
// acknowledgement and read by every other screen's reader; mu guards the
// notes and themes learned from acknowledgements; the plan's own
// bookkeeping (which theme a note went to) belongs to the pacer.
type workshop struct {
	id    string
	base  string // the instance the board was created on
	token string // the facilitator's
	m     *meter

	facilitator *conn
	people      []*conn
	// acksOnly is set, before any screen connects, on a board where only
	// acknowledgements are timed: its screens skip matching changes to
	// ops, which a storm of joins (changes no screen sent) makes costly.
	acksOnly bool

	seqs []seqSlot
	// last is the highest seq acknowledged on the board.
	last atomic.Uint64
	// held is set while a saturate run's writers wait for the board's
	// slowest screen.
	held atomic.Bool

	// wanted is the phase last asked for and phase the one last
	// acknowledged (both board.Phase); settled carries the outcome of
	// groups.form, which the run waits for.
	wanted, phase atomic.Value
	settled       chan error

	mu     sync.Mutex
	notes  []note
	themes []string

	// The pacer's own: the phase it last asked for, the drags under way
	// and the notes it put in a theme.
	asked  board.Phase
	drags  int
	themed map[string]bool
}

// note is a note on the board and the screen that wrote it.
type note struct {
	id     string
	author *conn
}

// seqSlot is a seqlock: seq is cleared while sent is rewritten, so a
// reader that sees the same seq before and after reading sent has a sent
// that belongs to it.
type seqSlot struct {
	seq  atomic.Uint64
	sent atomic.Int64
}

func (w *workshop) publish(seq uint64, sent int64) {
	s := &w.seqs[seq&uint64(len(w.seqs)-1)]
	s.seq.Store(0)
	s.sent.Store(sent)
	s.seq.Store(seq)
	for {
		last := w.last.Load()
		if seq <= last || w.last.CompareAndSwap(last, seq) {
			return
		}
	}
}

// sentAt is when the op that became seq was sent, once its sender has
// read the acknowledgement.
func (w *workshop) sentAt(seq uint64) (int64, bool) {
	s := &w.seqs[seq&uint64(len(w.seqs)-1)]
	if s.seq.Load() != seq {
		return 0, false
	}
	sent := s.sent.Load()
	return sent, s.seq.Load() == seq
}

// acked learns from an acknowledgement; it runs on c's reader.
func (w *workshop) acked(c *conn, kind opKind, seq uint64) {
	switch kind {
	case kindNoteAdd:
		w.mu.Lock()
		w.notes = append(w.notes, note{id: "n" + strconv.FormatUint(seq, 10), author: c})
		w.mu.Unlock()
	case kindThemeCreate:
		w.mu.Lock()
		w.themes = append(w.themes, "t"+strconv.FormatUint(seq, 10))
		w.mu.Unlock()
	case kindPhaseSet:
		w.phase.Store(w.wanted.Load())
	case kindGroupsForm:
		w.settle(nil)
	}
}

// refused learns from a refusal; it runs on a reader. A refused phase.set
// leaves the board where it was, and the pacer waiting.
func (w *workshop) refused(kind opKind, code string) {
	if kind == kindGroupsForm {
		w.settle(fmt.Errorf("refused: %s", code))
	}
}

func (w *workshop) settle(err error) {
	select {
	case w.settled <- err:
	default:
	}
}

// settledDown reports whether nothing the pacer sent to the board is in
// flight: no drag under way, every op answered.
func (w *workshop) settledDown() bool {
	if w.drags > 0 {
		return false
	}
	for _, c := range w.screens() {
		if len(c.credits) < cap(c.credits) {
			return false
		}
	}
	return true
}

// pickNote returns a random note, if the board has any.
func (w *workshop) pickNote(n int) (note, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.notes) == 0 {
		return note{}, false
	}
	return w.notes[n%len(w.notes)], true
}

// counts is how many notes and themes the board has.
func (w *workshop) counts() (notes, themes int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.notes), len(w.themes)
}

func (w *workshop) pickTheme(n int) (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.themes) == 0 {
		return "", false
	}
	return w.themes[n%len(w.themes)], true
}

// lag is how many changes the slowest open screen of the board is behind
// the last one acknowledged.
func (w *workshop) lag() uint64 {
	last, lag := w.last.Load(), uint64(0)
	for _, c := range w.screens() {
		if seen := c.lastSeq.Load(); seen < last && !c.ended() {
			lag = max(lag, last-seen)
		}
	}
	return lag
}

// screens is every connection open on the board.
func (w *workshop) screens() []*conn {
	if w.facilitator == nil {
		return w.people
	}
	return append([]*conn{w.facilitator}, w.people...)
}

// createBoard makes a board on base with the HTTP API.
func createBoard(ctx context.Context, httpc *http.Client, base, title string, m *meter, ring int) (*workshop, error) {
	body, _ := json.Marshal(map[string]string{"title": title, "prompt": "How could our community work better together?"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/boards", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	var created struct {
		ID             string `json:"id"`
		FacilitatorURL string `json:"facilitatorUrl"`
	}
	if err := doJSON(httpc, req, http.StatusCreated, &created); err != nil {
		return nil, fmt.Errorf("create board: %w", err)
	}
	_, token, ok := strings.Cut(created.FacilitatorURL, "#key=")
	if !ok || created.ID == "" {
		return nil, fmt.Errorf("create board: no id or facilitator key in %+v", created)
	}
	w := &workshop{id: created.ID, base: base, token: token, m: m, seqs: make([]seqSlot, ring), settled: make(chan error, 1), themed: map[string]bool{}}
	w.phase.Store(board.Brainstorm)
	w.wanted.Store(board.Brainstorm)
	w.asked = board.Brainstorm
	return w, nil
}

func (w *workshop) currentPhase() board.Phase { return w.phase.Load().(board.Phase) }

// formGroups has the facilitator form breakout groups, then reads the
// board's export to learn each participant's group: one document read
// once, rather than every screen decoding the groups.form change.
func (w *workshop) formGroups(ctx context.Context, httpc *http.Client) error {
	size := max(6, (len(w.people)+board.MaxGroups-1)/board.MaxGroups)
	f := w.facilitator
	if !f.take(ctx) {
		return fmt.Errorf("board %s: groups.form: %w", w.id, ctx.Err())
	}
	if err := f.send(kindGroupsForm, &board.Op{Kind: board.GroupsForm, Size: size}); err != nil {
		return fmt.Errorf("board %s: groups.form: %w", w.id, err)
	}
	select {
	case err := <-w.settled:
		if err != nil {
			return fmt.Errorf("board %s: groups.form: %w", w.id, err)
		}
	case <-f.closed:
		return fmt.Errorf("board %s: groups.form: facilitator disconnected: %w", w.id, f.err)
	case <-ctx.Done():
		return fmt.Errorf("board %s: groups.form: %w", w.id, ctx.Err())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.base+"/api/boards/"+w.id+"/export.json", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+w.token)
	var export board.Export
	if err := doJSON(httpc, req, http.StatusOK, &export); err != nil {
		return fmt.Errorf("board %s: export: %w", w.id, err)
	}
	groups := make(map[string]string, len(export.Participants))
	for _, p := range export.Participants {
		groups[p.ID] = p.Group
	}
	for _, c := range w.people {
		if c.group = groups[c.you]; c.group == "" {
			return fmt.Errorf("board %s: participant %s has no group", w.id, c.you)
		}
	}
	return nil
}

func doJSON(httpc *http.Client, req *http.Request, status int, into any) error {
	resp, err := httpc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != status {
		var e struct{ Code, Msg string }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("%s: %s %s", resp.Status, e.Code, e.Msg)
	}
	return json.NewDecoder(resp.Body).Decode(into)
}
