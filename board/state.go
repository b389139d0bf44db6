package board

import "time"

// Phase is where the workshop is. Phases follow the agenda but the
// facilitator may move to any phase at any time.
type Phase string

const (
	Brainstorm Phase = "brainstorm"
	Share      Phase = "share"
	Cluster    Phase = "cluster"
	Vote       Phase = "vote"
	Discuss    Phase = "discuss"
)

// Role is what a participant brings to the room. Groups are balanced by it
// and tallies are split by it.
type Role string

const (
	CivilServant Role = "civil-servant"
	CivilSociety Role = "civil-society"
	// RoleFacilitator is held by the board's creator only.
	RoleFacilitator Role = "facilitator"
)

// Color is a sticky note colour from a fixed palette (see Colors).
type Color string

// Colors is the palette, first the default. It is small so that a
// projector shows every colour apart.
var Colors = []Color{"yellow", "pink", "blue", "green", "orange", "purple"}

// Limits. Every input has a bound; docs/protocol.md lists these.
const (
	MaxTitle        = 200
	MaxPrompt       = 1000
	MaxName         = 60
	MaxNoteText     = 500
	MaxThemeName    = 120
	MaxDiscussText  = 2000
	MaxNotes        = 2000
	MaxThemes       = 500
	MaxParticipants = 5000
	MaxGroups       = 500
	MaxTimerSeconds = 4 * 60 * 60
	MaxVotes        = 20
	// MaxDeleted is how many deleted notes a board keeps for note.restore.
	MaxDeleted = 100
)

// Settings are the facilitator's choices. The zero value is not valid;
// DefaultSettings gives the ones a new board starts with.
type Settings struct {
	// VotesPerParticipant is each participant's dot budget.
	VotesPerParticipant int `json:"votesPerParticipant"`
	// MaxVotesPerItem caps one participant's dots on one item; 1 is plain
	// dot voting, higher allows cumulative voting.
	MaxVotesPerItem int `json:"maxVotesPerItem"`
	// HideTallies keeps others' tallies from participants until the
	// facilitator reveals them, so early votes do not sway later ones.
	HideTallies bool `json:"hideTallies"`
	// Anonymous hides note authors' names from participants; the group and
	// the author's role are still shown.
	Anonymous bool `json:"anonymous"`
	// GroupSize is the target size of breakout groups.
	GroupSize int `json:"groupSize"`
	// Passcode, when set, must be given to join. It is never sent to
	// participants.
	Passcode string `json:"passcode,omitempty"`
	// Language is what the board's default names and its exports are
	// written in; "" is English.
	Language Language `json:"language,omitempty"`
}

// DefaultSettings are a new board's settings: three dots each, one per item,
// live tallies, authors shown, groups of six, in English.
func DefaultSettings() Settings {
	return Settings{VotesPerParticipant: 3, MaxVotesPerItem: 1, GroupSize: 6, Language: English}
}

// Timer is a countdown every screen shows alike: it stores when it ends, in
// server time, not how much is left.
type Timer struct {
	EndsAt  time.Time `json:"endsAt,omitzero"`
	Running bool      `json:"running"`
}

// Participant is a person on the board. Several tabs or devices of one
// person share one Participant through their session token.
type Participant struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Role        Role   `json:"role"`
	Group       string `json:"group,omitempty"`
	Facilitator bool   `json:"facilitator,omitempty"`
}

// Group is a breakout group. Each group owns one flip chart whose id is the
// group's id.
type Group struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Note is a sticky note. It stays on the chart it was written on (its
// provenance) and, from the cluster phase on, also has a place on the
// plenary canvas.
type Note struct {
	ID    string `json:"id"`
	Chart string `json:"chart"`
	// Group and Role are the note's provenance, shown even when authors
	// are anonymous.
	Group  string `json:"group"`
	Role   Role   `json:"role"`
	Author string `json:"author,omitempty"`
	Text   string `json:"text"`
	Color  Color  `json:"color"`
	// X, Y: position on the chart; CX, CY: position on the plenary canvas.
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	CX    float64 `json:"cx"`
	CY    float64 `json:"cy"`
	Theme string  `json:"theme,omitempty"`
	// Placed is set once the note has a place on the plenary canvas (CX,
	// CY): from the cluster phase on every note has one, laid out by group
	// until someone drags it.
	Placed bool `json:"placed"`
}

// Theme is a named cluster of notes on the plenary canvas.
type Theme struct {
	ID   string  `json:"id"`
	Name string  `json:"name"`
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
}

// Tally is the dots on one item, split by the voters' roles because this
// room needs to see whether both sectors back an idea.
type Tally struct {
	Item         string `json:"item"`
	Votes        int    `json:"votes"`
	CivilServant int    `json:"civilServant"`
	CivilSociety int    `json:"civilSociety"`
}

// Rank is one line of the ranking. Tied items share a rank.
type Rank struct {
	Item  string `json:"item"`
	Votes int    `json:"votes"`
	Rank  int    `json:"rank"`
}

// Discussion records, for one top item, what is possible and how it gets
// done.
type Discussion struct {
	Item     string `json:"item"`
	Possible string `json:"possible"`
	How      string `json:"how"`
	Owner    string `json:"owner"`
	Next     string `json:"next"`
}

// DeletedNote is a deleted note as it was, kept so that its deletion can be
// undone: who deleted it, at which seq (the oldest is forgotten first), and
// its discussion, if it had one. The dots on it were given back at once and
// are not restored.
type DeletedNote struct {
	Note       Note        `json:"note"`
	By         string      `json:"by"`
	Seq        uint64      `json:"seq"`
	Discussion *Discussion `json:"discussion,omitempty"`
}

// Info is the board entity: everything about the board as a whole.
type Info struct {
	Title     string   `json:"title"`
	Prompt    string   `json:"prompt"`
	Phase     Phase    `json:"phase"`
	Settings  Settings `json:"settings"`
	Locked    bool     `json:"locked"`
	Revealed  bool     `json:"revealed"`
	Timer     Timer    `json:"timer"`
	Spotlight string   `json:"spotlight,omitempty"`
}

// State is one board. It is not safe for concurrent use: the hub gives each
// board's state one owner. Its exported fields are its snapshot form, so
// json.Marshal of a State is a snapshot and replaying the log from it gives
// the same state.
type State struct {
	Seq          uint64                  `json:"seq"`
	Created      bool                    `json:"created"`
	Info         Info                    `json:"info"`
	Participants map[string]*Participant `json:"participants"`
	Groups       map[string]*Group       `json:"groups"`
	Notes        map[string]*Note        `json:"notes"`
	Themes       map[string]*Theme       `json:"themes"`
	// Votes is participant id → item id → dots.
	Votes       map[string]map[string]int `json:"votes"`
	Discussions map[string]*Discussion    `json:"discussions"`
	// Deleted holds the notes deleted most recently, by id, so that a
	// deletion can be undone (note.restore). No client is sent them.
	Deleted map[string]*DeletedNote `json:"deleted,omitempty"`
	// IDOffset is the highest number an imported note or theme id holds;
	// new notes and themes are numbered after it (see newID). Zero on a
	// board that copies nothing.
	IDOffset uint64 `json:"idOffset,omitempty"`
	// ParticipantOffset is the highest number an imported participant id
	// holds; newcomers are numbered after it (see JoinerID).
	ParticipantOffset uint64 `json:"participantOffset,omitempty"`
	// Carried is the tallies copied with an imported board, item id →
	// dots. Their voters' ballots stay secret, so they are not in Votes:
	// they count toward every tally, and nobody can take them back.
	Carried map[string]*Tally `json:"carried,omitempty"`

	// people is the headcount of the first counted participants, kept
	// as they join (headcount); a state decoded from a snapshot counts
	// when first asked.
	people  People
	counted int
}

// New returns an empty board, ready for its board.create entry.
func New() *State {
	return &State{
		Participants: map[string]*Participant{},
		Groups:       map[string]*Group{},
		Notes:        map[string]*Note{},
		Themes:       map[string]*Theme{},
		Votes:        map[string]map[string]int{},
		Discussions:  map[string]*Discussion{},
		Deleted:      map[string]*DeletedNote{},
	}
}
