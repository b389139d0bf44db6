package hub

// history is a room's last recentLen entries, applied or refused, oldest first, kept
// in a ring: once it is full, a new entry takes the oldest one's place
// instead of every entry moving down one, which was a copy of the whole
// history (about 100 KB, pointers and all) on every op of a busy board.
type history struct {
	ring  []applied // grows to recentLen, then wraps
	start int       // where the oldest entry is
}

func (h *history) add(a applied) {
	if len(h.ring) < recentLen {
		h.ring = append(h.ring, a)
		return
	}
	h.ring[h.start] = a
	h.start = (h.start + 1) % recentLen
}

// oldest is the seq of the oldest entry held; ok is false when none is.
func (h *history) oldest() (seq uint64, ok bool) {
	if len(h.ring) == 0 {
		return 0, false
	}
	return h.ring[h.start].seq, true
}

// after calls fn with every entry held whose seq is above seq, oldest
// first.
func (h *history) after(seq uint64, fn func(*applied)) {
	n := len(h.ring)
	for i := range n {
		if a := &h.ring[(h.start+i)%n]; a.seq > seq {
			fn(a)
		}
	}
}

// find returns the entry at seq, or nil if none is held.
func (h *history) find(seq uint64) *applied {
	for i := range h.ring {
		if h.ring[i].seq == seq {
			return &h.ring[i]
		}
	}
	return nil
}
