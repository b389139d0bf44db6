package board

import "fmt"

// Language is the language the facilitator chose for the board: the one its
// default names (groups, the facilitator) and its Markdown and CSV exports
// are written in, whatever language each screen shows its controls in.
type Language string

// The board's languages. The zero value is English.
const (
	English Language = "en"
	Spanish Language = "es"
)

// wording is every phrase the board writes for people, in one language.
// Counts follow a label ("Votes: 2"), so no phrase depends on a number's
// grammatical form.
type wording struct {
	group         string // a formed group's name, from its number
	facilitator   string // the facilitator's name on a new board
	untitledTheme string
	roles         map[Role]string // a role as a report names it

	headCount   string // participants, civil servants, civil society, groups
	flipCharts  string
	noNotes     string
	themes      string
	results     string
	votesHidden string
	discussed   string
	noVotes     string
	resultsHead [5]string // rank, idea, votes, civil servants, civil society
	topIdeas    string
	topVotes    string    // votes, civil servants, civil society
	topOf       [2]string // the heading of each sector's top three: civil servants, civil society
	topOfLine   string    // an idea in a sector's top three: idea, rank, votes
	tie         string
	questions   [4]string // what is possible, how it gets done, owner, next step
	csvHead     [6]string // chart, group, author role, text, theme, votes
}

var wordings = map[Language]*wording{
	English: {
		group:         "Group %d",
		facilitator:   "Facilitator",
		untitledTheme: "Untitled theme",
		roles:         map[Role]string{CivilServant: "civil servant", CivilSociety: "civil society", RoleFacilitator: "facilitator"},
		headCount:     "Participants: %d (civil servants: %d, civil society: %d). Groups: %d.",
		flipCharts:    "Flip charts",
		noNotes:       "No notes were written.",
		themes:        "Themes",
		results:       "Results",
		votesHidden:   "The votes are hidden until the facilitator reveals them.",
		discussed:     "Discussed",
		noVotes:       "No votes were cast.",
		resultsHead:   [5]string{"Rank", "Idea", "Votes", "Civil servants", "Civil society"},
		topIdeas:      "Top ideas",
		topVotes:      "Votes: %d (civil servants: %d, civil society: %d).",
		topOf:         [2]string{"Top three of civil servants", "Top three of civil society"},
		topOfLine:     "- %s (rank %d; votes: %d)",
		tie:           "%d (tie)",
		questions:     [4]string{"What is possible", "How it gets done", "Owner", "Next step"},
		csvHead:       [6]string{"chart", "group", "author_role", "text", "theme", "votes"},
	},
	Spanish: {
		group:         "Grupo %d",
		facilitator:   "Persona facilitadora",
		untitledTheme: "Tema sin nombre",
		roles:         map[Role]string{CivilServant: "función pública", CivilSociety: "sociedad civil", RoleFacilitator: "facilitación"},
		headCount:     "Participantes: %d (función pública: %d, sociedad civil: %d). Grupos: %d.",
		flipCharts:    "Papelógrafos",
		noNotes:       "No se escribió ninguna nota.",
		themes:        "Temas",
		results:       "Resultados",
		votesHidden:   "Los votos están ocultos hasta que la persona facilitadora los muestre.",
		discussed:     "Debatido",
		noVotes:       "No se emitió ningún voto.",
		resultsHead:   [5]string{"Puesto", "Idea", "Votos", "Función pública", "Sociedad civil"},
		topIdeas:      "Ideas principales",
		topVotes:      "Votos: %d (función pública: %d, sociedad civil: %d).",
		topOf:         [2]string{"Las tres principales de la función pública", "Las tres principales de la sociedad civil"},
		topOfLine:     "- %s (puesto %d; votos: %d)",
		tie:           "%d (empate)",
		questions:     [4]string{"Qué es posible", "Cómo se logra", "Responsable", "Próximo paso"},
		csvHead:       [6]string{"papelógrafo", "grupo", "rol_autor", "texto", "tema", "votos"},
	},
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
			out = append(out, participantChange(p))
		}
	}
	return out
}
