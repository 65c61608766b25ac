"""The feed cases that also go through forecast and simulate in the test module (and in every
explore run): a few quoted findings and a shuffle (the expensive commands are ~5-10 s each)."""

EXPENSIVE_SAMPLE = [
    "order/shuffle/0",
    "structure/snapshot-after-round-republished",
    "dates/drawDate/year-9999",
    "nesting/ignored-field/list/1000",
    "numbers/drawSize/comma-2/newest",
    "sizes/drawSize/100,000,000,000",
]
