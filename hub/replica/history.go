package replica

// history is a replica's last RecentLen entries, applied or refused,
// oldest first, kept in a ring: once it is full, a new entry takes the
// oldest one's place instead of every entry moving down one, a copy of the
// whole history (about 100 KB, pointers and all) on every op of a busy
// board.
type history struct {
	ring  []Applied // grows to RecentLen, then wraps
	start int       // where the oldest entry is
}

func (h *history) add(a Applied) {
	if len(h.ring) < RecentLen {
		h.ring = append(h.ring, a)
		return
	}
	h.ring[h.start] = a
	h.start = (h.start + 1) % RecentLen
}

// oldest is the seq of the oldest entry held; ok is false when none is.
func (h *history) oldest() (seq uint64, ok bool) {
	if len(h.ring) == 0 {
		return 0, false
	}
	return h.ring[h.start].Seq, true
}

// after calls fn with every entry held whose seq is above seq, oldest
// first.
func (h *history) after(seq uint64, fn func(*Applied)) {
	n := len(h.ring)
	for i := h.index(seq + 1); i < n; i++ {
		fn(&h.ring[(h.start+i)%n])
	}
}

// find returns the entry at seq, or nil if none is held.
func (h *history) find(seq uint64) *Applied {
	if i := h.index(seq); i < len(h.ring) && seq != 0 {
		if a := &h.ring[(h.start+i)%len(h.ring)]; a.Seq == seq {
			return a
		}
	}
	return nil
}

// index is how many entries are held before the one at seq, or before
// where it would be. The replica applies every seq, one after another,
// so the entries held have consecutive seqs: in a storm of joins, a room
// looks up what each newcomer let in meanwhile is owed, and scanning the
// whole history for each cost the room a twentieth of its time.
func (h *history) index(seq uint64) int {
	oldest, ok := h.oldest()
	if !ok || seq <= oldest {
		return 0
	}
	return int(min(seq-oldest, uint64(len(h.ring))))
}
