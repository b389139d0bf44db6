package board

// Audience says who may see a change. Apply decides it, so the rules for
// hidden tallies and anonymous authors live with the other rules; the hub
// only filters by it (see Visible).
type Audience uint8

const (
	// Everyone sees the change.
	Everyone Audience = iota
	// Facilitators only: hidden tallies, authors of anonymous notes.
	Facilitators
	// Participants only (everyone but facilitators): the redacted twin of a
	// Facilitators change, such as a note without its author.
	Participants
	// Owner: only the participant named in Change.Owner (their own votes).
	Owner
)

// Change is one entity upserted or deleted by an op. Clients receive changes,
// never ops, so the browser patches its maps and renders without knowing the
// rules.
type Change struct {
	// Entity is the kind of thing changed: board, participant, group, note,
	// theme, tally, ranking, myvotes, discussion.
	Entity string `json:"e"`
	ID     string `json:"id"`
	// Value is the entity's whole new value, a copy that shares nothing with
	// the state. Nil when Deleted.
	Value   any  `json:"v,omitempty"`
	Deleted bool `json:"del,omitempty"`

	Audience Audience `json:"-"`
	Owner    string   `json:"-"`
}

// Visible reports whether the participant viewer (a facilitator or not) may
// see c.
func (c Change) Visible(viewer string, facilitator bool) bool {
	switch c.Audience {
	case Everyone:
		return true
	case Facilitators:
		return facilitator
	case Participants:
		return !facilitator
	case Owner:
		return c.Owner == viewer
	}
	return false
}
