package board

import "fmt"

// Language is the language the facilitator chose for the board: the one its
// default names (groups, the facilitator) and its reports (board/report)
// are written in, whatever language each screen shows its controls in.
type Language string

// The board's languages. The zero value is English.
const (
	English Language = "en"
	Spanish Language = "es"
)

// wording is every name the board gives things itself, in one language.
// The reports' wording is board/report's.
type wording struct {
	group       string // a formed group's name, from its number
	facilitator string // the facilitator's name on a new board
}

var wordings = map[Language]*wording{
	English: {group: "Group %d", facilitator: "Facilitator"},
	Spanish: {group: "Grupo %d", facilitator: "Persona facilitadora"},
}

// words is the wording of the board's language.
func (s *State) words() *wording { return s.Info.Settings.Language.wording() }

func (l Language) wording() *wording {
	if w := wordings[l]; w != nil {
		return w
	}
	return wordings[English]
}

// relabel renames what still holds the default name of the wording from to
// that of to: the formed groups and the facilitator, so that a board whose
// language changes speaks it everywhere, while a name someone chose stays.
func (s *State) relabel(from, to *wording) []Change {
	var out []Change
	for _, id := range sortedIDs(s.Groups) {
		g := s.Groups[id]
		if n := idNumber(id); g.Name == fmt.Sprintf(from.group, n) {
			g.Name = fmt.Sprintf(to.group, n)
			out = append(out, groupChange(g))
		}
	}
	for _, id := range sortedIDs(s.Participants) {
		if p := s.Participants[id]; p.Facilitator && p.Name == from.facilitator {
			p.Name = to.facilitator
			out = append(out, participantChanges(p)...)
		}
	}
	return out
}
