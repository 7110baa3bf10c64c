#!/bin/sh
# A stand-in for a generated training program: says which rank it is.
echo "rank $RANK of $WORLD_SIZE: $*"
