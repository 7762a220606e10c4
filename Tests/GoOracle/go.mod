module vouch.test/gooracle

go 1.19
