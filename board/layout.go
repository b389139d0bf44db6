package board

// The plenary canvas is cut into one block per group, in group order, and
// each block into a grid of cells, so the plenary first sees every flip
// chart as it was shared and then drags its notes into themes.
const (
	cellsAcross = 4 // notes side by side in a group's block
	cellsDown   = 6 // rows of notes in a block; later notes start again at the top
)

// canvas places notes that have no place on the plenary canvas yet.
type canvas struct {
	block      map[string]int // chart → its block, counting from 0
	cols, rows int            // blocks across and down
	used       map[string]int // chart → notes placed in its block so far
}

func (s *State) canvas() *canvas {
	groups := sortedIDs(s.Groups)
	c := &canvas{block: map[string]int{}, used: map[string]int{}}
	for i, g := range groups {
		c.block[g] = i
	}
	c.cols = 1
	for c.cols*c.cols < len(groups) {
		c.cols++
	}
	c.rows = max(1, (len(groups)+c.cols-1)/c.cols)
	for _, n := range s.Notes {
		if n.Placed {
			c.used[n.Chart]++
		}
	}
	return c
}

// place puts n in the next cell of its chart's block. Each coordinate is one
// division of two integers, so it is the same float on every replica and
// every architecture (no fused multiply-add can round it differently).
func (c *canvas) place(n *Note) {
	block, cell := c.block[n.Chart], c.used[n.Chart]
	c.used[n.Chart]++
	across := (block%c.cols)*(cellsAcross+2) + 1 + cell%cellsAcross
	down := (block/c.cols)*(cellsDown+2) + 1 + (cell/cellsAcross)%cellsDown
	n.CX = float64(across) / float64(c.cols*(cellsAcross+2))
	n.CY = float64(down) / float64(c.rows*(cellsDown+2))
	n.Placed = true
}

// layOut places every note not yet on the canvas, chart by chart, and
// reports them.
func (s *State) layOut() []Change {
	c := s.canvas()
	var out []Change
	for _, n := range s.NotesByChart() {
		if !n.Placed {
			c.place(n)
			out = append(out, s.noteChanges(n)...)
		}
	}
	return out
}
