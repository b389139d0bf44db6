// Package workshop is the simulated people of a load run: the boards
// under load, each screen on them (a participant's or a facilitator's
// websocket that reconnects and resends as the web app does, and learns
// when each change reached it), and the pacer that plays brainstorm,
// cluster and vote on the boards at a steady rate.
package workshop

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/cmd/plenary-load/internal/measure"
)

// opKind is what a screen needs to remember of an op in flight to act on
// its answer.
type opKind uint32

const (
	kindOther opKind = iota
	kindNoteAdd
	kindThemeCreate
	kindPhaseSet
	kindGroupsForm
)

func kindOf(k board.Kind) opKind {
	switch k {
	case board.NoteAdd:
		return kindNoteAdd
	case board.ThemeCreate:
		return kindThemeCreate
	case board.PhaseSet:
		return kindPhaseSet
	case board.GroupsForm:
		return kindGroupsForm
	}
	return kindOther
}

// RingFor is how many recent seqs each of boards remembers the send
// time of: 64Ki slots shared out, at least 4Ki a board. A screen more
// than that many changes behind its board counts the older ones as
// unmatched. It is a power of two, so a seq's slot is a mask away.
func RingFor(boards int) int {
	n := 1 << 16
	for n > 1<<12 && n*boards > 1<<16 {
		n >>= 1
	}
	return n
}

// Board is one board under load: its screens and what the run has
// learned of it. The run sets Facilitator, People and AcksOnly while it
// connects, before any op is sent. seqs is written by the reader that
// reads an acknowledgement and read by every other screen's reader; mu
// guards the notes and themes learned from acknowledgements; the plan's
// own bookkeeping (which theme a note went to) belongs to the pacer.
type Board struct {
	ID    string
	Base  string // the instance the board was created on
	Token string // the facilitator's
	m     *measure.Meter

	Facilitator *Screen
	People      []*Screen
	// AcksOnly is set, before any screen connects, on a board where only
	// acknowledgements are timed: its screens skip matching changes to
	// ops, which a storm of joins (changes no screen sent) makes costly.
	AcksOnly bool

	seqs []seqSlot
	// last is the highest seq acknowledged on the board.
	last atomic.Uint64

	// wanted is the phase last asked for and phase the one last
	// acknowledged (both board.Phase); settled carries the outcome of
	// groups.form, which the run waits for.
	wanted, phase atomic.Value
	settled       chan error

	mu     sync.Mutex
	notes  []Note
	themes []string

	// The pacer's own: the phase it last asked for, the drags under way
	// and the notes it put in a theme.
	asked  board.Phase
	drags  int
	themed map[string]bool
}

// Note is a note on the board and the screen that wrote it.
type Note struct {
	ID     string
	Author *Screen
}

// seqSlot is a seqlock: seq is cleared while sent is rewritten, so a
// reader that sees the same seq before and after reading sent has a sent
// that belongs to it.
type seqSlot struct {
	seq  atomic.Uint64
	sent atomic.Int64
}

func (w *Board) publish(seq uint64, sent int64) {
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
func (w *Board) sentAt(seq uint64) (int64, bool) {
	s := &w.seqs[seq&uint64(len(w.seqs)-1)]
	if s.seq.Load() != seq {
		return 0, false
	}
	sent := s.sent.Load()
	return sent, s.seq.Load() == seq
}

// acked learns from an acknowledgement; it runs on c's reader.
func (w *Board) acked(c *Screen, kind opKind, seq uint64) {
	switch kind {
	case kindNoteAdd:
		w.mu.Lock()
		w.notes = append(w.notes, Note{ID: "n" + strconv.FormatUint(seq, 10), Author: c})
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
func (w *Board) refused(kind opKind, code string) {
	if kind == kindGroupsForm {
		w.settle(fmt.Errorf("refused: %s", code))
	}
}

func (w *Board) settle(err error) {
	select {
	case w.settled <- err:
	default:
	}
}

// settledDown reports whether nothing the pacer sent to the board is in
// flight: no drag under way, every op answered.
func (w *Board) settledDown() bool {
	if w.drags > 0 {
		return false
	}
	for _, c := range w.Screens() {
		if len(c.credits) < cap(c.credits) {
			return false
		}
	}
	return true
}

// pickNote returns a random note, if the board has any.
func (w *Board) pickNote(n int) (Note, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.notes) == 0 {
		return Note{}, false
	}
	return w.notes[n%len(w.notes)], true
}

// Notes is the notes acknowledged so far.
func (w *Board) Notes() []Note {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.notes)
}

// counts is how many notes and themes the board has.
func (w *Board) counts() (notes, themes int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.notes), len(w.themes)
}

func (w *Board) pickTheme(n int) (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.themes) == 0 {
		return "", false
	}
	return w.themes[n%len(w.themes)], true
}

// Lag is how many changes the slowest open screen of the board is behind
// the last one acknowledged.
func (w *Board) Lag() uint64 {
	last, lag := w.last.Load(), uint64(0)
	for _, c := range w.Screens() {
		if seen := c.lastSeq.Load(); seen < last && !c.Ended() {
			lag = max(lag, last-seen)
		}
	}
	return lag
}

// Unfinished is how many open screens of the board still wait for an
// answer to an op or lack the last change acknowledged.
func (w *Board) Unfinished() int {
	last, n := w.last.Load(), 0
	for _, c := range w.Screens() {
		if !c.Ended() && (len(c.credits) < cap(c.credits) || c.lastSeq.Load() < last) {
			n++
		}
	}
	return n
}

// Screens is every screen open on the board.
func (w *Board) Screens() []*Screen {
	if w.Facilitator == nil {
		return w.People
	}
	return append([]*Screen{w.Facilitator}, w.People...)
}

// Create makes a board on base with the HTTP API; ring is how many recent
// seqs it remembers the send time of (RingFor).
func Create(ctx context.Context, httpc *http.Client, base, title string, m *measure.Meter, ring int) (*Board, error) {
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
	w := &Board{ID: created.ID, Base: base, Token: token, m: m, seqs: make([]seqSlot, ring), settled: make(chan error, 1), themed: map[string]bool{}}
	w.phase.Store(board.Brainstorm)
	w.wanted.Store(board.Brainstorm)
	w.asked = board.Brainstorm
	return w, nil
}

func (w *Board) currentPhase() board.Phase { return w.phase.Load().(board.Phase) }

// FormGroups has the facilitator form breakout groups, then reads the
// board's export to learn each participant's group: one document read
// once, rather than every screen decoding the groups.form change.
func (w *Board) FormGroups(ctx context.Context, httpc *http.Client) error {
	size := max(6, (len(w.People)+board.MaxGroups-1)/board.MaxGroups)
	f := w.Facilitator
	if !f.Take(ctx) {
		return fmt.Errorf("board %s: groups.form: %w", w.ID, ctx.Err())
	}
	if err := f.Send(&board.Op{Kind: board.GroupsForm, Size: size}); err != nil {
		return fmt.Errorf("board %s: groups.form: %w", w.ID, err)
	}
	select {
	case err := <-w.settled:
		if err != nil {
			return fmt.Errorf("board %s: groups.form: %w", w.ID, err)
		}
	case <-f.closed:
		return fmt.Errorf("board %s: groups.form: facilitator disconnected: %w", w.ID, f.err)
	case <-ctx.Done():
		return fmt.Errorf("board %s: groups.form: %w", w.ID, ctx.Err())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.Base+"/api/boards/"+w.ID+"/export.json", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+w.Token)
	var export board.Export
	if err := doJSON(httpc, req, http.StatusOK, &export); err != nil {
		return fmt.Errorf("board %s: export: %w", w.ID, err)
	}
	groups := make(map[string]string, len(export.Participants))
	for _, p := range export.Participants {
		groups[p.ID] = p.Group
	}
	for _, c := range w.People {
		if c.group = groups[c.you]; c.group == "" {
			return fmt.Errorf("board %s: participant %s has no group", w.ID, c.you)
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
