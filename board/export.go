package board

// Export is a whole board as a document: what export.json holds and what
// board.create reads back (Op.Import) to start a new board as its copy.
// Votes are kept as tallies, not per person: a ballot is secret, even from
// the facilitator.
type Export struct {
	Version      int           `json:"version"`
	Title        string        `json:"title"`
	Prompt       string        `json:"prompt"`
	Phase        Phase         `json:"phase"`
	Revealed     bool          `json:"revealed"`
	Settings     Settings      `json:"settings"`
	Groups       []Group       `json:"groups"`
	Participants []Participant `json:"participants"`
	Notes        []Note        `json:"notes"`
	Themes       []Theme       `json:"themes"`
	Tallies      []Tally       `json:"tallies"`
	Ranking      []Rank        `json:"ranking"`
	// TopCivilServant and TopCivilSociety are the top three by each
	// sector's dots alone (see Ranking).
	TopCivilServant []Rank       `json:"topCivilServant"`
	TopCivilSociety []Rank       `json:"topCivilSociety"`
	Discussions     []Discussion `json:"discussions"`
}

// ExportVersion is the Export document's version, raised when its shape
// or its reading changes. board.create reads a version 1 document for its
// content only (groups, notes without authors, themes, discussions), since
// logs hold such entries and replay them as they were first applied, and
// a version 2 one whole. A version 1 export.json holds all that version 2
// does but revealed, so POST /api/boards logs it as version 2.
const ExportVersion = 2

// Export is the whole board as a document, every list in id order. The
// passcode is left out, since the document is shared, and so are the notes'
// authors on an anonymous board.
func (s *State) Export() Export {
	results, _ := s.Results(true)
	ranking := results.Ranking
	x := Export{
		Version:         ExportVersion,
		Title:           s.Info.Title,
		Prompt:          s.Info.Prompt,
		Phase:           s.Info.Phase,
		Revealed:        s.Info.Revealed,
		Settings:        s.Info.Settings,
		Groups:          values(s.Groups),
		Participants:    values(s.Participants),
		Notes:           values(s.Notes),
		Themes:          values(s.Themes),
		Tallies:         values(results.Tallies),
		Ranking:         ranking.Ranks,
		TopCivilServant: ranking.TopCivilServant,
		TopCivilSociety: ranking.TopCivilSociety,
		Discussions:     values(s.Discussions),
	}
	x.Settings.Passcode = ""
	if s.Info.Settings.Anonymous {
		for i := range x.Notes {
			x.Notes[i].Author = ""
		}
	}
	return x
}

// values copies the entities of m into a list in id order.
func values[V any](m map[string]*V) []V {
	out := make([]V, 0, len(m))
	for _, id := range sortedIDs(m) {
		out = append(out, *m[id])
	}
	return out
}
