package stacks_test

import (
	"errors"
	"fmt"

	"github.com/kiln-dev/kiln/stacks"
)

func ExampleStack_ResolveNode() {
	s, err := stacks.Load("scalingo-26")
	if err != nil {
		panic(err)
	}
	res, err := s.ResolveNode(stacks.Request{Value: "22.x", Source: "package.json engines.node"}, false)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Version)

	_, err = s.ResolveNode(stacks.Request{Value: "^30", Source: "package.json engines.node"}, false)
	var re *stacks.ResolveError
	if errors.As(err, &re) {
		fmt.Println(re.Hint)
	}
	// Output:
	// 22.23.1
	// Change package.json engines.node to a range that includes an available version, for example "24.x".
}

func ExampleStack_ResolvePHP() {
	s, err := stacks.Load("")
	if err != nil {
		panic(err)
	}
	for _, c := range []string{"", "~8.3", "^8.2", ">=8.1 <8.4"} {
		res, err := s.ResolvePHP(stacks.Request{Value: c, Source: "composer.json require.php"})
		if err != nil {
			panic(err)
		}
		fmt.Printf("%q → %s\n", c, res.Version)
	}
	// Output:
	// "" → 8.4.22
	// "~8.3" → 8.3.31
	// "^8.2" → 8.4.22
	// ">=8.1 <8.4" → 8.3.31
}

func ExampleComposerSatisfies() {
	ok, err := stacks.ComposerSatisfies("^8.2", "8.3.12")
	fmt.Println(ok, err)
	ok, err = stacks.ComposerSatisfies("8.3", "8.3.12") // Composer: exactly 8.3.0
	fmt.Println(ok, err)
	// Output:
	// true <nil>
	// false <nil>
}
