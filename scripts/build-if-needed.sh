#!/usr/bin/env bash
# Builds target/parley.jar when it is missing or older than any of its sources. Sourced by run.sh and
# cluster.sh; expects to run from the repository root.
jar=target/parley.jar
# Only what goes into the jar counts: tests changing must not trigger a build (tests call cluster.sh).
if [ ! -f "$jar" ] || [ -n "$(find pom.xml package-lock.json src/main conf webroot client/src -newer "$jar" -type f -print -quit)" ]; then
  echo "building $jar ..." >&2
  mvn -B -q -DskipTests package >&2
fi
