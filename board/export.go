package board

// Export is a whole board as a document: what export.json holds and what
// board.create reads back (Op.Import) to start a new board from it. Votes
// are kept as tallies, not per person, since a new board starts a new vote.
type Export struct {
	Version      int           `json:"version"`
	Title        string        `json:"title"`
	Prompt       string        `json:"prompt"`
	Phase        Phase         `json:"phase"`
	Settings     Settings      `json:"settings"`
	Groups       []Group       `json:"groups"`
	Participants []Participant `json:"participants"`
	Notes        []Note        `json:"notes"`
	Themes       []Theme       `json:"themes"`
	Tallies      []Tally       `json:"tallies"`
	Ranking      []Rank        `json:"ranking"`
	Discussions  []Discussion  `json:"discussions"`
}
