//===- synthetic_stories.cpp - An embedded corpus of simple stories -------===//
#include "fgrt/data/synthetic_stories.hpp"

#include "fgrt/data/random.hpp"

#include <cctype>
#include <stdexcept>
#include <utility>

namespace fgrt::data {

namespace {

using WordList = std::vector<std::string>;

// The vocabulary. Its lists are part of the corpus definition: changing a
// word, or the order of a list, changes every story (and the pinned hash in
// the tests), so extend it only on purpose.
const WordList kGirlNames = {"Lily", "Mia",  "Sara", "Emma", "Anna", "Lucy", "Zoe", "Ella",
                             "Ruby", "Rosa", "Nina", "Amy",  "Kate", "Jane", "Sue"};
const WordList kBoyNames = {"Tom",  "Ben", "Max", "Sam", "Leo", "Tim",  "Jack", "Finn",
                            "Jake", "Joe", "Bob", "Dan", "Ted", "Will", "Kai"};
const WordList kAnimals = {"cat",   "dog", "bunny", "bear", "bird", "frog", "fox",   "duck",
                           "mouse", "owl", "pig",   "cow",  "lion", "fish", "turtle"};
const WordList kTraits = {"little",  "happy",  "kind",     "brave",  "shy",    "small", "big",  "funny",
                          "curious", "sleepy", "friendly", "gentle", "clever", "quiet", "busy", "silly"};
const WordList kPlaces = {"park", "forest", "garden", "beach", "farm",       "lake",   "river",
                          "hill", "town",   "school", "pond",  "playground", "meadow", "village"};
const WordList kPlaceLooks = {"sunny", "quiet", "big", "small", "green", "old", "pretty", "busy"};
const WordList kObjects = {"ball",   "kite",  "box",     "hat",    "toy",    "book",    "apple", "cake",
                           "flower", "stick", "rock",    "shell",  "key",    "balloon", "boat",  "car",
                           "drum",   "cup",   "blanket", "leaf",   "star",   "bell",    "sock",  "crayon",
                           "puzzle", "map",   "basket",  "carrot", "cookie", "feather"};
const WordList kColours = {"red",    "blue",  "green", "yellow", "pink",  "purple",
                           "orange", "white", "black", "brown",  "shiny", "golden"};
const WordList kGoodFeelings = {"happy", "glad", "proud", "excited", "calm", "safe", "warm"};
const WordList kBadFeelings = {"sad", "scared", "worried", "upset", "lonely", "tired", "grumpy"};
const WordList kActivities = {
    "play in the sand", "run in the grass", "jump in puddles", "sing songs",        "dance",        "draw pictures",
    "read books",       "swim in the lake", "climb trees",     "look at the stars", "bake cookies", "pick flowers"};
const WordList kFamily = {"mom", "dad", "grandma", "grandpa", "sister", "brother", "teacher"};
const WordList kSpots = {"bed", "table", "tree", "chair", "bush", "rock", "door", "bench"};
const WordList kNiceWords = {"pretty", "nice", "lovely", "beautiful", "special"};

/// Who a story is about, with the pronouns its sentences need.
struct Character {
  std::string name;
  std::string kind;
  std::string subject;    // he / she
  std::string object;     // him / her
  std::string possessive; // his / her
};

std::string capitalized(std::string text) {
  if (!text.empty())
    text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  return text;
}

/// "a kite", "an owl": the indefinite article by the first letter, which is
/// right for every word of the vocabulary.
std::string with_article(const std::string &phrase) {
  const bool vowel = std::string("aeiou").find(phrase.at(0)) != std::string::npos;
  return (vowel ? "an " : "a ") + phrase;
}

/// Writes one story: each method adds sentences, in story order.
class StoryWriter {
public:
  explicit StoryWriter(uint64_t seed) : rng_(seed) {}

  std::string write() {
    hero_ = make_character();
    opening();
    if (chance(50))
      habit();
    plot();
    ending();
    return joined();
  }

private:
  const std::string &pick(const WordList &words) { return words[rng_.index(words.size())]; }
  bool chance(uint64_t percent) { return rng_.below(100) < percent; }
  void say(std::string sentence) { sentences_.push_back(std::move(sentence)); }
  /// "Lily" or "She", for variety at the start of a sentence.
  std::string hero_or_pronoun() { return chance(50) ? hero_.name : capitalized(hero_.subject); }

  Character make_character() {
    const bool girl = chance(50);
    Character who;
    who.name = pick(girl ? kGirlNames : kBoyNames);
    // A third of the heroes are children, the rest animals.
    who.kind = chance(33) ? std::string(girl ? "girl" : "boy") : pick(kAnimals);
    who.subject = girl ? "she" : "he";
    who.object = girl ? "her" : "him";
    who.possessive = girl ? "her" : "his";
    return who;
  }

  // Every draw gets its own statement: the operands of one expression are
  // evaluated in an unspecified order, so two draws in one `a + b` could
  // come out swapped on another compiler.

  void opening() {
    const std::string trait = pick(kTraits);
    const std::string someone = with_article(trait + " " + hero_.kind);
    const std::string look = pick(kPlaceLooks);
    const std::string place = pick(kPlaces);
    const std::string &name = hero_.name;
    switch (rng_.below(4)) {
    case 0:
      return say("Once upon a time, there was " + someone + " named " + name + ".");
    case 1:
      return say("Once upon a time, in " + with_article(look + " " + place) + ", there lived " + someone + " called " +
                 name + ".");
    case 2:
      return say("There was once " + someone + " named " + name + ".");
    default:
      return say(name + " was " + someone + " who lived near the " + place + ".");
    }
  }

  void habit() {
    const std::string activity = pick(kActivities);
    const std::string family = pick(kFamily);
    switch (rng_.below(3)) {
    case 0:
      return say(capitalized(hero_.subject) + " loved to " + activity + ".");
    case 1:
      return say("Every day, " + hero_.name + " liked to " + activity + ".");
    default:
      return say(hero_.name + " liked to " + activity + " with " + hero_.possessive + " " + family + ".");
    }
  }

  void plot() {
    switch (rng_.below(5)) {
    case 0:
      return lost_object();
    case 1:
      return new_friend();
    case 2:
      return found_treasure();
    case 3:
      return rainy_day();
    default:
      return friend_in_need();
    }
  }

  /// "Lily felt sad." with a feeling from `feelings`, in 60% of stories.
  void maybe_feeling(const char *verb, const WordList &feelings) {
    if (!chance(50))
      return;
    const std::string who = hero_or_pronoun();
    say(who + " " + verb + " " + pick(feelings) + ".");
  }

  void lost_object() {
    const std::string colour = pick(kColours);
    const std::string object = pick(kObjects);
    say("One day, " + hero_.name + " lost " + hero_.possessive + " " + colour + " " + object + ".");
    maybe_feeling("felt", kBadFeelings);
    if (chance(50))
      say("\"Where is my " + object + "?\" " + hero_.name + " asked.");
    if (chance(50)) {
      const std::string who = hero_or_pronoun();
      const std::string first_spot = pick(kSpots);
      const std::string second_spot = pick(kSpots);
      say(who + " looked under the " + first_spot + " and behind the " + second_spot + ".");
    }
    say("At last, " + hero_.subject + " found the " + object + " near the " + pick(kSpots) + ".");
  }

  void new_friend() {
    const std::string friend_name = pick(chance(50) ? kGirlNames : kBoyNames);
    const std::string trait = pick(kTraits);
    const std::string animal = pick(kAnimals);
    say("One day, " + hero_.name + " met " + with_article(trait + " " + animal) + " named " + friend_name + ".");
    say("\"Do you want to play with me?\" asked " + hero_.name + ".");
    say("\"Yes, I do!\" said " + friend_name + ".");
    const std::string colour = pick(kColours);
    const std::string object = pick(kObjects);
    say("They played with " + with_article(colour + " " + object) + " all day.");
    if (chance(50))
      say("From that day on, " + hero_.name + " and " + friend_name + " were best friends.");
  }

  void found_treasure() {
    const std::string colour = pick(kColours);
    const std::string object = pick(kObjects);
    const std::string place = pick(kPlaces);
    const std::string family = pick(kFamily);
    say("One day, " + hero_.name + " found " + with_article(colour + " " + object) + " in the " + place + ".");
    maybe_feeling("was very", kGoodFeelings);
    if (chance(50))
      say(capitalized(hero_.subject) + " ran home to show it to " + hero_.possessive + " " + family + ".");
    say("\"What " + with_article(pick(kNiceWords) + " " + object) + "!\" said " + hero_.possessive + " " + family +
        ".");
  }

  void rainy_day() {
    say("One day, it started to rain.");
    if (chance(50))
      say(hero_.name + " could not go to the " + pick(kPlaces) + ".");
    maybe_feeling("felt", kBadFeelings);
    say("Then the sun came out, and " + hero_.name + " went outside to " + pick(kActivities) + ".");
  }

  void friend_in_need() {
    const std::string animal = pick(kAnimals);
    const std::string object = pick(kObjects);
    const std::string spot = pick(kSpots);
    say("One day, " + hero_.name + " saw " + with_article(animal) + " who was " + pick(kBadFeelings) + ".");
    say("\"What is wrong?\" asked " + hero_.name + ".");
    say("\"I can not find my " + object + ",\" said the " + animal + ".");
    say(hero_.name + " helped the " + animal + " look for it, and they found it under the " + spot + ".");
    if (chance(50))
      say("\"Thank you!\" said the " + animal + ".");
  }

  /// A closing line, "The end.", or both (never more than eight sentences).
  void ending() {
    const bool closing_line = sentences_.size() >= 7 || chance(75);
    if (closing_line)
      say(closing_sentence());
    if (!closing_line || (sentences_.size() < 8 && chance(40)))
      say("The end.");
  }

  std::string closing_sentence() {
    switch (rng_.below(3)) {
    case 0:
      return hero_.name + " felt very " + pick(kGoodFeelings) + ".";
    case 1:
      return hero_or_pronoun() + " smiled and went home.";
    default:
      return "It was the best day ever.";
    }
  }

  std::string joined() const {
    std::string text;
    for (const std::string &sentence : sentences_)
      text += (text.empty() ? "" : " ") + sentence;
    return text;
  }

  SplitMix64 rng_;
  Character hero_;
  std::vector<std::string> sentences_;
};

} // namespace

std::string synthetic_story(uint64_t index, uint64_t seed) { return StoryWriter(derive_seed(seed, index)).write(); }

std::vector<std::string> synthetic_stories(int64_t count, uint64_t seed) {
  if (count < 0)
    throw std::runtime_error("synthetic_stories: count must be >= 0, got " + std::to_string(count));
  std::vector<std::string> stories;
  stories.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i)
    stories.push_back(synthetic_story(static_cast<uint64_t>(i), seed));
  return stories;
}

} // namespace fgrt::data
