package report

import (
	"reflect"
	"strings"
	"testing"

	"github.com/plenary/plenary/board"
)

// TestReportsInSpanish reads the Markdown and CSV of a board whose language
// is Spanish: every word the reports write is Spanish, group names
// included, while what people wrote stays as they wrote it.
func TestReportsInSpanish(t *testing.T) {
	w := reported(t, false, board.Spanish)
	md := string(Markdown(w.s, true))
	for _, want := range []string{
		"Participantes: 4 (función pública: 2, sociedad civil: 2). Grupos: 2.",
		"## Papelógrafos",
		"### Toledo table",
		"### Grupo 2",
		"- One shared calendar of mobile clinic visits (función pública, Ana)",
		"### Tema sin nombre",
		"| Puesto | Idea | Votos | Función pública | Sociedad civil |",
		"| 1 (empate) | Reaching rural families | 2 | 1 | 1 |",
		"## Ideas principales",
		"Votos: 2 (función pública: 1, sociedad civil: 1).",
		"- **Responsable:** Ministry of Health",
		"- **Próximo paso:** Draft the calendar by October",
		"- **Qué es posible:** —",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the Spanish report lacks %q:\n%s", want, md)
		}
	}
	for _, english := range []string{"Flip charts", "Results", "Top ideas", "Owner", "civil servant", "Group 2", "(tie)", "Untitled"} {
		if strings.Contains(md, english) {
			t.Errorf("the Spanish report says %q:\n%s", english, md)
		}
	}
	w.settings(func(s *board.Settings) { s.HideTallies = true })
	if hidden := string(Markdown(w.s, false)); !strings.Contains(hidden, "## Resultados\n\nLos votos están ocultos hasta que la persona facilitadora los muestre.") {
		t.Errorf("a participant's Spanish report while tallies are hidden does not say why:\n%s", hidden)
	}
	rows := csvRows(t, CSV(w.s))
	want := [][]string{
		{"papelógrafo", "grupo", "rol_autor", "texto", "tema", "votos"},
		{"g1", "Toledo table", "función pública", "One shared calendar of mobile clinic visits", "Reaching rural families", "2"},
		{"g1", "Toledo table", "sociedad civil", "Transport vouchers so rural families can reach clinics", "Reaching rural families", "2"},
		{"g2", "Grupo 2", "función pública", "Community radio slot | ministries answer questions", "", "2"},
		{"g2", "Grupo 2", "sociedad civil", `'=HYPERLINK("x")`, "Tema sin nombre", "0"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("Spanish CSV =\n%q\nwant\n%q", rows, want)
	}
}
