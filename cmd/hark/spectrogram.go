package main

import (
	"context"
	"errors"
)

func runSpectrogram(_ context.Context, e *env, args []string) error {
	return errors.New("not implemented yet")
}
