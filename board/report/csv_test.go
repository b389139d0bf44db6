package report

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"testing"

	"github.com/plenary/plenary/board"
)

func TestCSV(t *testing.T) {
	rows := csvRows(t, CSV(reported(t, false, board.English).s))
	want := [][]string{
		{"chart", "group", "author_role", "text", "theme", "votes"},
		{"g1", "Toledo table", "civil servant", "One shared calendar of mobile clinic visits", "Reaching rural families", "2"},
		{"g1", "Toledo table", "civil society", "Transport vouchers so rural families can reach clinics", "Reaching rural families", "2"},
		{"g2", "Group 2", "civil servant", "Community radio slot | ministries answer questions", "", "2"},
		{"g2", "Group 2", "civil society", `'=HYPERLINK("x")`, "Untitled theme", "0"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("CSV =\n%q\nwant\n%q", rows, want)
	}
}

// csvRows reads a CSV export as a spreadsheet program does: it must start
// with a UTF-8 byte-order mark (else accents are garbled) and end its lines
// with CRLF.
func csvRows(t *testing.T, doc []byte) [][]string {
	t.Helper()
	body, ok := bytes.CutPrefix(doc, []byte("\xEF\xBB\xBF"))
	if !ok {
		t.Fatalf("the CSV has no UTF-8 byte-order mark: %q", doc[:min(len(doc), 20)])
	}
	if !bytes.HasSuffix(body, []byte("\r\n")) || bytes.Count(body, []byte("\n")) != bytes.Count(body, []byte("\r\n")) {
		t.Errorf("the CSV's lines do not all end in CRLF: %q", body)
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestCSVQuoting writes notes with what breaks a naive CSV (commas, quotes,
// line breaks, accents, a leading space) and reads them back intact.
func TestCSVQuoting(t *testing.T) {
	w := &workshop{t: t, s: board.New()}
	w.must("", board.Op{Kind: board.BoardCreate, Title: "Quoting"})
	w.must(facilitator, board.Op{Kind: board.GroupsForm, Size: 2})
	texts := []string{
		"Clínicas móviles, una vez al mes",
		`El "día del vecino" en cada distrito`,
		"Two lines:\nradio and posters",
		`Semicolon; and a closing quote"`,
	}
	for _, text := range texts {
		w.must(facilitator, board.Op{Kind: board.NoteAdd, Chart: "g1", Text: text, X: at(0.5), Y: at(0.5)})
	}
	rows := csvRows(t, CSV(w.s))
	if len(rows) != len(texts)+1 {
		t.Fatalf("%d rows, want %d: %q", len(rows), len(texts)+1, rows)
	}
	for i, text := range texts {
		if got := rows[i+1][3]; got != text {
			t.Errorf("row %d text = %q, want %q", i+1, got, text)
		}
	}
}
