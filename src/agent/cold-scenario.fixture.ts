/**
 * Issue 9's cold-start scenario on ml-latest-small: a new animated family film known only by a title and a
 * description, a history of Pixar films (its fans) and one of horror films (not its fans). Shared by the test
 * that runs it through the live path and by scripts/cold-scenario.node.ts, which probes any model.
 */
export const NEW_FAMILY_FILM = {
  id: "new-lantern",
  title: "The Little Lantern",
  description:
    "An animated comedy for the whole family. Left behind on moving day, a wind-up toy lantern and a band of forgotten toys journey across the city to find their kid before the holidays.",
};
/** Toy Story, Toy Story 2, A Bug's Life, Monsters, Inc. */
export const PIXAR_HISTORY = ["1", "3114", "2355", "4886"];
/** The Shining, A Nightmare on Elm Street, Halloween, The Exorcist, The Texas Chainsaw Massacre, Saw. */
export const HORROR_HISTORY = ["1258", "1347", "1982", "1997", "2459", "8957"];
