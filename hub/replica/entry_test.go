package replica

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/protocol"
	"github.com/plenary/plenary/store"
)

// opsOfEveryKind is an op of every kind as the hub reads it from a frame
// (or builds it, for the server's own), with every field its kind reads.
var opsOfEveryKind = map[board.Kind]string{
	board.BoardCreate:       `{"kind":"board.create","title":"Plenary","prompt":"What can we do together?","settings":{"votesPerParticipant":5,"maxVotesPerItem":2,"hideTallies":true,"anonymous":true,"groupSize":4,"passcode":"oak","language":"es"}}`,
	board.BoardEdit:         `{"kind":"board.edit","title":"Plenary \u2028 <b>","prompt":"¿Qué?"}`,
	board.BoardSettings:     `{"kind":"board.settings","settings":{"votesPerParticipant":3,"maxVotesPerItem":1,"hideTallies":false,"anonymous":false,"groupSize":6}}`,
	board.BoardLock:         `{"kind":"board.lock"}`,
	board.BoardUnlock:       `{"kind":"board.unlock"}`,
	board.PhaseSet:          `{"kind":"phase.set","phase":"cluster"}`,
	board.ParticipantJoin:   `{"kind":"participant.join","name":"Ana","role":"civil-society"}`,
	board.ParticipantRename: `{"kind":"participant.rename","participant":"p7","name":"Ana María"}`,
	board.ParticipantMove:   `{"kind":"participant.move","participant":"p7","group":"g2"}`,
	board.GroupsForm:        `{"kind":"groups.form","size":5}`,
	board.GroupRename:       `{"kind":"group.rename","group":"g2","name":"Los de atrás"}`,
	board.NoteAdd:           `{"kind":"note.add","chart":"g3","text":"Publish the data behind each decision","color":"pink","x":0.1234567890123,"y":1e-7}`,
	board.NoteEdit:          `{"kind":"note.edit","note":"n12","text":"emoji 🗳️ and a tab\t"}`,
	board.NoteColor:         `{"kind":"note.color","note":"n12","color":"blue"}`,
	board.NoteMove:          `{"kind":"note.move","note":"n12","x":0,"y":-0}`,
	board.NoteDelete:        `{"kind":"note.delete","note":"n12"}`,
	board.NoteRestore:       `{"kind":"note.restore","note":"n12"}`,
	board.NoteTheme:         `{"kind":"note.theme","note":"n12","theme":""}`,
	board.ThemeCreate:       `{"kind":"theme.create","name":"Open data","notes":[],"x":0.5,"y":0.25}`,
	board.ThemeRename:       `{"kind":"theme.rename","theme":"t40","name":"Open data, now"}`,
	board.ThemeMove:         `{"kind":"theme.move","theme":"t40","x":0.75,"y":0.5}`,
	board.ThemeDelete:       `{"kind":"theme.delete","theme":"t40"}`,
	board.VoteCast:          `{"kind":"vote.cast","item":"t40"}`,
	board.VoteRetract:       `{"kind":"vote.retract","item":"n12"}`,
	board.VoteReveal:        `{"kind":"vote.reveal"}`,
	board.VoteHide:          `{"kind":"vote.hide"}`,
	board.DiscussSet:        `{"kind":"discuss.set","item":"t40","field":"owner","text":"The ministry"}`,
	board.TimerStart:        `{"kind":"timer.start","seconds":600}`,
	board.TimerAdd:          `{"kind":"timer.add","seconds":60}`,
	board.TimerStop:         `{"kind":"timer.stop"}`,
	board.ChartSpotlight:    `{"kind":"chart.spotlight","chart":"g2"}`,
}

// TestEntryRoundTrip: an entry of every kind, at a time read in another
// zone and with a monotonic clock reading, is what it decodes to once
// encoded, so the instance that appends it applies what every other
// replica reads from the log.
func TestEntryRoundTrip(t *testing.T) {
	madrid := time.FixedZone("CET", 3600)
	for kind, op := range opsOfEveryKind {
		for _, at := range []time.Time{time.Now(), time.Now().In(madrid), time.Date(2026, 11, 29, 10, 0, 0, 123456789, madrid)} {
			if !roundTrips(t, []byte(op), at, 42, "p7", "0a1b2c.17."+string(kind)) {
				t.Errorf("%s is not an op as the hub reads it", kind)
			}
		}
	}
	if len(opsOfEveryKind) != 31 {
		t.Errorf("%d kinds tried; board/op.go declares 31", len(opsOfEveryKind))
	}
}

// TestImportRoundTrip: board.create with a board exported whole, which
// new boards are made from, decodes to what was encoded.
func TestImportRoundTrip(t *testing.T) {
	st := board.New()
	x, y := 0.4, 0.6
	for i, op := range []board.Op{
		{Kind: board.BoardCreate, Title: "Plenary", Prompt: "What can we do together?"},
		{Kind: board.ParticipantJoin, Name: "Ana", Role: board.CivilSociety},
		{Kind: board.GroupsForm, Size: 2},
		{Kind: board.NoteAdd, Chart: "g1", Text: "Open data", X: &x, Y: &y},
		{Kind: board.PhaseSet, Phase: board.Vote},
		{Kind: board.VoteCast, Item: "n4"},
	} {
		actor := "p1"
		switch {
		case op.Kind.FromServer():
			actor = ""
		case op.Kind == board.VoteCast:
			actor = "p2"
		}
		if _, err := st.Apply(board.Entry{Seq: uint64(i + 1), Actor: actor, At: time.Now(), Seed: 7, Op: op}); err != nil {
			t.Fatalf("%s: %v", op.Kind, err)
		}
	}
	export := st.Export()
	op, err := json.Marshal(board.Op{Kind: board.BoardCreate, Title: "Again", Import: &export})
	if err != nil {
		t.Fatal(err)
	}
	if !roundTrips(t, op, time.Now(), 0, "", "") {
		t.Fatal("the export is not an op as the hub reads it")
	}
}

// FuzzEntryRoundTrip: whatever op the hub reads from a frame, at whatever
// time, decodes to what it was once encoded.
func FuzzEntryRoundTrip(f *testing.F) {
	for _, op := range opsOfEveryKind {
		f.Add([]byte(op), int64(1764410400123456789), 3600, false, uint64(42), "p7", "0a1b2c.17.c1")
	}
	f.Add([]byte(opsOfEveryKind[board.NoteMove]), int64(-5), -12600, true, uint64(0), "", "")
	f.Fuzz(func(t *testing.T, op []byte, nanos int64, offset int, monotonic bool, seed uint64, actor, ref string) {
		if !utf8.ValidString(actor) || !utf8.ValidString(ref) {
			t.Skip("the hub's actors and refs come from JSON, so they are UTF-8")
		}
		at := time.Unix(0, nanos).In(time.FixedZone("", offset%(24*3600)))
		if monotonic {
			at = time.Now().Add(time.Duration(nanos))
		}
		roundTrips(t, op, at, seed, actor, ref)
	})
}

// roundTrips checks that the entry of op, read as the hub reads an op
// from a frame, decodes to what EncodeEntry returned; it reports false
// if op is not one the hub would read.
func roundTrips(t *testing.T, op []byte, at time.Time, seed uint64, actor, ref string) bool {
	t.Helper()
	var o board.Op
	if protocol.Strict(op, &o) != nil {
		return false
	}
	e, data, err := EncodeEntry(board.Entry{Actor: actor, At: at, Seed: seed, Ref: ref, Op: o})
	if err != nil {
		t.Fatalf("encode %s: %v", op, err)
	}
	e.Seq = 9
	if got := DecodeEntry(store.Record{Seq: 9, Data: data}); !reflect.DeepEqual(got, e) {
		t.Fatalf("the entry of %s at %v decodes to\n%#v\nwant\n%#v", op, at, got, e)
	}
	return true
}

// BenchmarkDecodeEntry is what a replica pays to read an entry from the
// log: paid by every other instance, and no longer by the one that
// appended it, which applies the value it encoded.
func BenchmarkDecodeEntry(b *testing.B) {
	x, y := 0.4123, 0.6789
	_, data, err := EncodeEntry(board.Entry{Actor: "p7", At: time.Now(), Ref: "0a1b2c3d4e5f.17.c123",
		Op: board.Op{Kind: board.NoteAdd, Chart: "g3", Text: "Publish the data behind each decision, every quarter", X: &x, Y: &y}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if e := DecodeEntry(store.Record{Seq: 9, Data: data}); e.Op.Kind != board.NoteAdd {
			b.Fatal("decoded no note")
		}
	}
}
