package board

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// maxFuzzEntries bounds one fuzz input's log, so each run stays short.
const maxFuzzEntries = 64

// FuzzApply feeds Apply logs read from the fuzzer's bytes: one JSON entry a
// line ({"by":"p2","seed":5,"op":{...}}), applied after a board of six people
// in two groups is set up. Whatever the log, Apply must not panic, Check
// must agree with it and change nothing, a refusal must change nothing but
// the seq, and the invariants must hold after every entry.
func FuzzApply(f *testing.F) {
	f.Add([]byte(`{"by":"p2","op":{"kind":"note.add","chart":"g1","text":"Shared calendar","x":0.4,"y":0.2}}
{"by":"p1","op":{"kind":"phase.set","phase":"cluster"}}
{"by":"p3","op":{"kind":"theme.create","name":"Access","notes":["n9"],"x":0.5,"y":0.5}}
{"by":"p1","op":{"kind":"phase.set","phase":"vote"}}
{"by":"p4","op":{"kind":"vote.cast","item":"t11"}}
{"by":"p4","op":{"kind":"vote.cast","item":"t11"}}`))
	f.Add([]byte(`{"by":"p1","op":{"kind":"board.settings","settings":{"votesPerParticipant":2,"maxVotesPerItem":2,"groupSize":3,"hideTallies":true,"anonymous":true}}}
{"by":"p1","op":{"kind":"groups.form","size":3}}
{"by":"p1","op":{"kind":"note.add","chart":"g2","text":"x","x":1,"y":0}}
{"by":"p1","op":{"kind":"phase.set","phase":"vote"}}
{"by":"p5","op":{"kind":"vote.cast","item":"n11"}}
{"by":"p1","op":{"kind":"note.delete","note":"n11"}}
{"by":"p5","op":{"kind":"vote.retract","item":"n11"}}`))
	f.Add([]byte(`{"by":"p1","op":{"kind":"board.lock"}}
{"op":{"kind":"participant.join","name":"Late","role":"civil-society"}}
{"by":"p2","op":{"kind":"participant.rename","name":"\u0007"}}
{"by":"p1","op":{"kind":"timer.start","seconds":60}}
{"by":"p1","op":{"kind":"timer.add","seconds":14400}}
{"by":"p1","op":{"kind":"chart.spotlight","chart":"g3"}}`))
	for seed := range uint64(3) {
		var lines bytes.Buffer
		for _, e := range randomLog(f, seed, 120)[12:][:maxFuzzEntries] {
			e.Seq, e.At = 0, time.Time{}
			line, _ := json.Marshal(e)
			lines.Write(append(line, '\n'))
		}
		f.Add(lines.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		w := newWorkshop(t, nil)
		for i := range 6 {
			w.join("Person", []Role{CivilServant, CivilSociety}[i%2])
		}
		w.must(facilitator, Op{Kind: GroupsForm, Size: 3})
		lines := bufio.NewScanner(bytes.NewReader(data))
		lines.Buffer(nil, 16<<10)
		for n := 0; n < maxFuzzEntries && lines.Scan(); n++ {
			var e Entry
			if json.Unmarshal(lines.Bytes(), &e) != nil {
				continue
			}
			e.Seq = w.s.Seq + 1
			e.At = start.Add(time.Duration(e.Seq) * time.Second)
			step(t, w.s, e)
		}
	})
}
