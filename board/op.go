package board

// Kind names an op. The full list, with the fields each kind reads, is in
// docs/protocol.md.
type Kind string

// The ops. Ops marked "server" are made by the hub, never accepted from a
// client frame.
const (
	BoardCreate   Kind = "board.create"   // server: title, prompt, settings, import
	BoardEdit     Kind = "board.edit"     // facilitator: title, prompt
	BoardSettings Kind = "board.settings" // facilitator: settings
	BoardLock     Kind = "board.lock"     // facilitator
	BoardUnlock   Kind = "board.unlock"   // facilitator
	PhaseSet      Kind = "phase.set"      // facilitator: phase

	ParticipantJoin   Kind = "participant.join"   // server: name, role
	ParticipantRename Kind = "participant.rename" // self, or facilitator with participant: name
	ParticipantMove   Kind = "participant.move"   // facilitator: participant, group

	GroupsForm  Kind = "groups.form"  // facilitator: size (0 = settings.groupSize); uses Entry.Seed
	GroupRename Kind = "group.rename" // facilitator or a member: group, name

	NoteAdd     Kind = "note.add"     // chart, text, color, x, y
	NoteEdit    Kind = "note.edit"    // note, text
	NoteColor   Kind = "note.color"   // note, color
	NoteMove    Kind = "note.move"    // note, x, y (on its chart before cluster, on the canvas from cluster on)
	NoteDelete  Kind = "note.delete"  // note
	NoteRestore Kind = "note.restore" // note: undoes its deletion
	NoteTheme   Kind = "note.theme"   // note, theme ("" takes it out of its theme)

	ThemeCreate Kind = "theme.create" // name, notes (dropping one note on another sends both), x, y
	ThemeRename Kind = "theme.rename" // theme, name
	ThemeMove   Kind = "theme.move"   // theme, x, y
	ThemeDelete Kind = "theme.delete" // theme; its notes return unclustered

	VoteCast    Kind = "vote.cast"    // item (a theme, or a note in no theme)
	VoteRetract Kind = "vote.retract" // item
	VoteReveal  Kind = "vote.reveal"  // facilitator: show hidden tallies to everyone
	VoteHide    Kind = "vote.hide"    // facilitator: hide revealed tallies again

	DiscussSet Kind = "discuss.set" // item, field (possible, how, owner, next), text

	TimerStart Kind = "timer.start" // facilitator: seconds
	TimerAdd   Kind = "timer.add"   // facilitator: seconds
	TimerStop  Kind = "timer.stop"  // facilitator

	ChartSpotlight Kind = "chart.spotlight" // facilitator: chart ("" clears it)
)

// Op is a command to change a board. It is one flat struct rather than a
// type per kind so that a frame decodes in one step and a wrong field type
// is a decode error; each kind reads only the fields listed beside it above,
// and Apply refuses a kind whose required fields are missing.
type Op struct {
	Kind Kind `json:"kind"`

	Title    string    `json:"title,omitempty"`
	Prompt   string    `json:"prompt,omitempty"`
	Phase    Phase     `json:"phase,omitempty"`
	Settings *Settings `json:"settings,omitempty"`
	// Import is a board exported as JSON, read by board.create only.
	Import *Export `json:"import,omitempty"`

	Participant string `json:"participant,omitempty"`
	Name        string `json:"name,omitempty"`
	Role        Role   `json:"role,omitempty"`
	Group       string `json:"group,omitempty"`
	Size        int    `json:"size,omitempty"`

	Chart string   `json:"chart,omitempty"`
	Note  string   `json:"note,omitempty"`
	Notes []string `json:"notes,omitempty"`
	Theme string   `json:"theme,omitempty"`
	Text  string   `json:"text,omitempty"`
	Color Color    `json:"color,omitempty"`
	// X and Y are fractions of the chart or canvas, 0 to 1, both or
	// neither. They are pointers because 0 is a real position.
	X *float64 `json:"x,omitempty"`
	Y *float64 `json:"y,omitempty"`

	Item    string `json:"item,omitempty"`
	Field   string `json:"field,omitempty"`
	Seconds int    `json:"seconds,omitempty"`
}

// FromServer reports whether only the server may make ops of kind k; the hub
// refuses them in client frames.
func (k Kind) FromServer() bool {
	return k == BoardCreate || k == ParticipantJoin
}
