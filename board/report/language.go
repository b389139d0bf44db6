package report

import "github.com/plenary/plenary/board"

// wording is every phrase a report writes, in one language. Counts follow a
// label ("Votes: 2"), so no phrase depends on a number's grammatical form.
type wording struct {
	untitledTheme string
	roles         map[board.Role]string // a role as a report names it

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

// wordings holds a wording for every language a board may be set to.
var wordings = map[board.Language]*wording{
	board.English: {
		untitledTheme: "Untitled theme",
		roles:         map[board.Role]string{board.CivilServant: "civil servant", board.CivilSociety: "civil society", board.RoleFacilitator: "facilitator"},
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
	board.Spanish: {
		untitledTheme: "Tema sin nombre",
		roles:         map[board.Role]string{board.CivilServant: "función pública", board.CivilSociety: "sociedad civil", board.RoleFacilitator: "facilitación"},
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
