package board

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Id prefixes. Every id is a prefix and a number, so ids sort in the order
// their entities were made.
const (
	notePrefix        = "n"
	themePrefix       = "t"
	participantPrefix = "p"
	groupPrefix       = "g"
)

// newID names a note or theme made by the entry at seq. Ids come from the
// seq so that every replica names it alike; they are counted on from
// IDOffset, the highest number an imported note or theme holds, so a copied
// board's new notes never take an imported note's id.
func (s *State) newID(prefix string, seq uint64) string {
	return prefix + strconv.FormatUint(seq+s.IDOffset, 10)
}

// ParticipantID names the participant who joins at seq on a board whose
// ParticipantOffset is offset; the hub names a newcomer's session with it,
// and the board's creator, at seq 1 of a board with no offset yet, is p1.
func ParticipantID(seq, offset uint64) string {
	return participantPrefix + strconv.FormatUint(seq+offset, 10)
}

// creatorID is the board's creator, its facilitator.
var creatorID = ParticipantID(1, 0)

// groupID names the i-th group, counting from 1.
func groupID(i int) string { return groupPrefix + strconv.Itoa(i) }

// idNumber is the number in an id, 0 if it has none.
func idNumber(id string) uint64 {
	i := 0
	for i < len(id) && 'a' <= id[i] && id[i] <= 'z' {
		i++
	}
	n, _ := strconv.ParseUint(id[i:], 10, 64)
	return n
}

// wellFormed reports whether id is prefix followed by a number written the
// one way strconv writes it, as every id Apply makes is.
func wellFormed(prefix, id string) bool {
	n := idNumber(id)
	return n > 0 && id == prefix+strconv.FormatUint(n, 10)
}

// CompareIDs orders ids by their number, that is by when they were made, so
// "n9" comes before "n10"; equal numbers fall back to the text.
func CompareIDs(a, b string) int {
	if c := cmp.Compare(idNumber(a), idNumber(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// sortedIDs is the keys of m in id order, so that nothing Apply does depends
// on the order Go iterates a map in.
func sortedIDs[V any](m map[string]V) []string {
	return sortIDs(slices.Collect(maps.Keys(m)))
}

// sortIDs sorts ids in id order, reading each id's number once, not once
// per comparison: a join storm's snapshots sort thousands of participants.
func sortIDs(ids []string) []string {
	type key struct {
		n  uint64
		id string
	}
	keys := make([]key, len(ids))
	for i, id := range ids {
		keys[i] = key{idNumber(id), id}
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.n, b.n), strings.Compare(a.id, b.id))
	})
	for i, k := range keys {
		ids[i] = k.id
	}
	return ids
}
