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
	for i := range n {
		if a := &h.ring[(h.start+i)%n]; a.Seq > seq {
			fn(a)
		}
	}
}

// find returns the entry at seq, or nil if none is held.
func (h *history) find(seq uint64) *Applied {
	for i := range h.ring {
		if h.ring[i].Seq == seq {
			return &h.ring[i]
		}
	}
	return nil
}
