package main

import (
	"context"
	"errors"
)

func runInfo(_ context.Context, e *env, args []string) error {
	return errors.New("not implemented yet")
}
