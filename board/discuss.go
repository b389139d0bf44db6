package board

// discussFields are the questions the discuss phase answers for each top
// idea: what is possible, how it gets done, who owns it, the next step.
var discussFields = []struct {
	name string
	of   func(d *Discussion) *string
}{
	{"possible", func(d *Discussion) *string { return &d.Possible }},
	{"how", func(d *Discussion) *string { return &d.How }},
	{"owner", func(d *Discussion) *string { return &d.Owner }},
	{"next", func(d *Discussion) *string { return &d.Next }},
}

// discussField is the field of a discussion called name, nil if none is.
func discussField(name string) func(d *Discussion) *string {
	for _, f := range discussFields {
		if f.name == name {
			return f.of
		}
	}
	return nil
}

// discuss records one answer about a theme or note. An empty text clears it.
func (s *State) discuss(r request) (mutation, *Error) {
	if err := s.during(r, Discuss); err != nil {
		return nil, err
	}
	item := r.Op.Item
	if s.Themes[item] == nil && s.Notes[item] == nil {
		return nil, refuse(CodeNotFound, "there is no theme or note %q", item)
	}
	field := discussField(r.Op.Field)
	if field == nil {
		return nil, refuse(CodeBadOp, "a discussion field is possible, how, owner or next")
	}
	text, err := discussText.clean(r.Op.Text)
	if err != nil {
		return nil, err
	}
	return func() []Change {
		d := s.Discussions[item]
		if d == nil {
			d = &Discussion{Item: item}
			s.Discussions[item] = d
		}
		*field(d) = text
		return []Change{discussionChange(d)}
	}, nil
}

// dropDiscussion deletes the discussion of an item that is being deleted.
func (s *State) dropDiscussion(item string) []Change {
	if s.Discussions[item] == nil {
		return nil
	}
	delete(s.Discussions, item)
	return []Change{deletion(entityDiscussion, item)}
}
