package hub

// RecentLen is how many entries a room holds for resumes, for the tests
// that ask from before them.
const RecentLen = recentLen
