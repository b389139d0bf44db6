package board

import "slices"

// mayWrite refuses a participant's writing on a chart that is not theirs:
// in brainstorm each group writes on its own flip chart only. The
// facilitator writes anywhere, in any phase.
func (s *State) mayWrite(r request, chart string) *Error {
	if r.facilitator() {
		return nil
	}
	if err := s.during(r, Brainstorm); err != nil {
		return err
	}
	if r.by.Group == "" {
		return refuse(CodeNoGroup, "you have no group yet")
	}
	if chart != r.by.Group {
		return refuse(CodeNotYourChart, "in brainstorm you write on your own group's chart only")
	}
	return nil
}

// note finds a note the op names.
func (s *State) note(id string) (*Note, *Error) {
	if n := s.Notes[id]; n != nil {
		return n, nil
	}
	return nil, refuse(CodeNotFound, "there is no note %q", id)
}

// addNote sticks a note on a flip chart. It keeps the group and the role of
// whoever wrote it, which the room sees even when authors are anonymous. A
// note added once the plenary canvas is in use gets a place there at once.
func (s *State) addNote(r request) (mutation, *Error) {
	chart := r.Op.Chart
	if err := s.mayWrite(r, chart); err != nil {
		return nil, err
	}
	if s.Groups[chart] == nil {
		return nil, refuse(CodeNotFound, "there is no chart %q", chart)
	}
	text, err := noteText.clean(r.Op.Text)
	if err != nil {
		return nil, err
	}
	c, err := color(r.Op.Color)
	if err != nil {
		return nil, err
	}
	x, y, err := position(r.Op.X, r.Op.Y)
	if err != nil {
		return nil, err
	}
	if len(s.Notes) >= MaxNotes {
		return nil, refuse(CodeTooMany, "the board is full: %d notes", MaxNotes)
	}
	return func() []Change {
		n := &Note{
			ID: s.newID(notePrefix, r.Seq), Chart: chart, Group: chart, Role: r.by.Role, Author: r.by.ID,
			Text: text, Color: c, X: x, Y: y,
		}
		if s.onCanvas() {
			s.canvas().place(n)
		}
		s.Notes[n.ID] = n
		return append(s.noteChanges(n), s.ballotChanged()...)
	}, nil
}

// editNote rewrites a note's text.
func (s *State) editNote(r request) (mutation, *Error) {
	n, err := s.writable(r)
	if err != nil {
		return nil, err
	}
	text, err := noteText.clean(r.Op.Text)
	if err != nil {
		return nil, err
	}
	return func() []Change {
		n.Text = text
		return append(s.noteChanges(n), s.ballotChanged()...)
	}, nil
}

// colorNote gives a note another colour from the palette.
func (s *State) colorNote(r request) (mutation, *Error) {
	n, err := s.writable(r)
	if err != nil {
		return nil, err
	}
	if r.Op.Color == "" {
		return nil, refuse(CodeBadOp, "a colour is needed")
	}
	c, err := color(r.Op.Color)
	if err != nil {
		return nil, err
	}
	return s.changeNote(n, func() { n.Color = c }), nil
}

// moveNote moves a note on its flip chart before the cluster phase, and on
// the plenary canvas from then on, where anyone may move any note.
func (s *State) moveNote(r request) (mutation, *Error) {
	n, err := s.note(r.Op.Note)
	if err != nil {
		return nil, err
	}
	x, y, err := position(r.Op.X, r.Op.Y)
	if err != nil {
		return nil, err
	}
	if s.onCanvas() {
		if err := s.during(r, Cluster); err != nil {
			return nil, err
		}
		return s.changeNote(n, func() { n.CX, n.CY, n.Placed = x, y, true }), nil
	}
	if err := s.mayWrite(r, n.Chart); err != nil {
		return nil, err
	}
	return s.changeNote(n, func() { n.X, n.Y = x, y }), nil
}

// deleteNote removes a note with its discussion, and gives back the dots on
// it. The note and its discussion are kept aside (State.Deleted) so that
// note.restore can undo the deletion; the board keeps the MaxDeleted most
// recent.
func (s *State) deleteNote(r request) (mutation, *Error) {
	n, err := s.writable(r)
	if err != nil {
		return nil, err
	}
	return func() []Change {
		gone := &DeletedNote{Note: *n, By: r.by.ID, Seq: r.Seq, Discussion: s.Discussions[n.ID]}
		delete(s.Notes, n.ID)
		s.keepDeleted(gone)
		out := []Change{deletion(entityNote, n.ID)}
		out = append(out, s.dropDiscussion(n.ID)...)
		return append(out, s.ballotChanged()...)
	}, nil
}

// keepDeleted puts a deleted note aside, forgetting the one deleted longest
// ago once the board keeps MaxDeleted.
func (s *State) keepDeleted(d *DeletedNote) {
	if len(s.Deleted) >= MaxDeleted {
		var oldest *DeletedNote
		for _, k := range s.Deleted {
			if oldest == nil || k.Seq < oldest.Seq {
				oldest = k
			}
		}
		delete(s.Deleted, oldest.Note.ID)
	}
	s.Deleted[d.Note.ID] = d
}

// restoreNote undoes a note's deletion: the note comes back as it was, with
// its discussion, but not the dots given back when it went. Its author,
// whoever deleted it, and the facilitator may restore it, under the rules
// that let them delete it (mayWrite). A theme deleted meanwhile leaves it
// loose; forming the groups again forgets every deleted note. The domain has no clock: how long the undo is offered is the
// client's choice (docs/protocol.md).
func (s *State) restoreNote(r request) (mutation, *Error) {
	d := s.Deleted[r.Op.Note]
	if d == nil {
		return nil, refuse(CodeNotFound, "there is no deleted note %q", r.Op.Note)
	}
	if !r.facilitator() && r.by.ID != d.Note.Author && r.by.ID != d.By {
		return nil, refuse(CodeForbidden, "only its author, who deleted it, or the facilitator may restore a note")
	}
	if err := s.mayWrite(r, d.Note.Chart); err != nil {
		return nil, err
	}
	if len(s.Notes) >= MaxNotes {
		return nil, refuse(CodeTooMany, "the board is full: %d notes", MaxNotes)
	}
	return func() []Change {
		delete(s.Deleted, d.Note.ID)
		n := &d.Note
		if s.Themes[n.Theme] == nil {
			n.Theme = ""
		}
		if s.onCanvas() && !n.Placed {
			s.canvas().place(n)
		}
		s.Notes[n.ID] = n
		out := s.noteChanges(n)
		if d.Discussion != nil {
			s.Discussions[n.ID] = d.Discussion
			out = append(out, discussionChange(d.Discussion))
		}
		return out
	}, nil
}

// themeNote puts a note in a theme, or takes it out with theme "". A note
// that joins a theme counts toward the theme from then on, so the dots on it
// are given back, and so are a theme's once its last note leaves.
func (s *State) themeNote(r request) (mutation, *Error) {
	if err := s.during(r, Cluster); err != nil {
		return nil, err
	}
	n, err := s.note(r.Op.Note)
	if err != nil {
		return nil, err
	}
	theme := r.Op.Theme
	if theme != "" && s.Themes[theme] == nil {
		return nil, refuse(CodeNotFound, "there is no theme %q", theme)
	}
	return func() []Change {
		n.Theme = theme
		return append(s.noteChanges(n), s.ballotChanged()...)
	}, nil
}

// writable finds the note an op names and refuses the op if the actor may
// not write on the note's chart.
func (s *State) writable(r request) (*Note, *Error) {
	n, err := s.note(r.Op.Note)
	if err != nil {
		return nil, err
	}
	if err := s.mayWrite(r, n.Chart); err != nil {
		return nil, err
	}
	return n, nil
}

// changeNote is the mutation that applies change to n and reports n.
func (s *State) changeNote(n *Note, change func()) mutation {
	return func() []Change {
		change()
		return s.noteChanges(n)
	}
}

// NotesByChart is every note, chart by chart in group order, and in the
// order they were written on each chart: the order a reader of the flip
// charts expects.
func (s *State) NotesByChart() []*Note {
	notes := make([]*Note, 0, len(s.Notes))
	for _, id := range sortedIDs(s.Notes) {
		notes = append(notes, s.Notes[id])
	}
	slices.SortStableFunc(notes, func(a, b *Note) int { return CompareIDs(a.Chart, b.Chart) })
	return notes
}
