package main

import "errors"

func seedCmd(args []string) error { return errors.New("seed: not yet") }
