"""Demo data: a burger restaurant with four stations, an expo, a menu and three users."""

from __future__ import annotations

from edge.security import auth
from edge.domain.menu import Category, Menu, MenuItem, Modifier, ModifierGroup, Station
from edge.store import Store, menu_repo

DEMO_USERS = [("Alex", "admin", "1234"), ("Sam", "staff", "1111"), ("Kiosk", "customer", "0000")]

STATIONS = [
    Station(id="grill", name="Grill", position=1),
    Station(id="fry", name="Fry", position=2),
    Station(id="cold", name="Cold", position=3),
    Station(id="bar", name="Bar", position=4),
    Station(id="expo", name="Expo", kind="expo", position=9),
]

CATEGORIES = [
    Category(id="burgers", name="Burgers", position=1),
    Category(id="mains", name="Mains", position=2),
    Category(id="sides", name="Sides", position=3),
    Category(id="salads", name="Salads", position=4),
    Category(id="desserts", name="Desserts", position=5),
    Category(id="drinks", name="Drinks", position=6),
]

TAX = 875  # 8.75 %
DRINK_TAX = 1000


def _group(gid: str, name: str, low: int, high: int, *mods: tuple[str, str, int]) -> ModifierGroup:
    return ModifierGroup(id=gid, name=name, min=low, max=high,
                         modifiers=[Modifier(id=m, name=n, price_delta_cents=p) for m, n, p in mods])


DONENESS = _group("doneness", "Doneness", 1, 1, ("rare", "Rare", 0), ("medium-rare", "Medium rare", 0),
                  ("medium", "Medium", 0), ("well-done", "Well done", 0))
BURGER_EXTRAS = _group("burger-extras", "Extras", 0, 4, ("no-onions", "No onions", 0),
                       ("no-pickles", "No pickles", 0), ("extra-cheese", "Extra cheese", 150),
                       ("add-bacon", "Add bacon", 250))
SIZE = _group("size", "Size", 1, 1, ("small", "Small", 0), ("medium-size", "Medium", 100),
              ("large", "Large", 200))
DRESSING = _group("dressing", "Dressing", 0, 1, ("ranch", "Ranch", 0), ("vinaigrette", "Vinaigrette", 0),
                  ("dressing-side", "Dressing on the side", 0))
ICE = _group("ice", "Ice", 0, 1, ("no-ice", "No ice", 0), ("light-ice", "Light ice", 0))
SPICE = _group("spice", "Spice", 0, 1, ("mild", "Mild", 0), ("hot", "Hot", 0), ("extra-hot", "Extra hot", 0))


def _item(iid, name, category, cents, station, groups=(), tax=TAX, aliases=(), position=0) -> MenuItem:
    return MenuItem(id=iid, name=name, category_id=category, price_cents=cents, tax_rate_bp=tax,
                    station=station, modifier_groups=list(groups), aliases=list(aliases), position=position)


ITEMS = [
    _item("cheeseburger", "Cheeseburger", "burgers", 1195, "grill", [DONENESS, BURGER_EXTRAS], aliases=["cheese burger"], position=1),
    _item("hamburger", "Hamburger", "burgers", 1095, "grill", [DONENESS, BURGER_EXTRAS], position=2),
    _item("bacon-burger", "Bacon Burger", "burgers", 1395, "grill", [DONENESS, BURGER_EXTRAS], position=3),
    _item("veggie-burger", "Veggie Burger", "burgers", 1250, "grill", [BURGER_EXTRAS], position=4),
    _item("chicken-sandwich", "Chicken Sandwich", "burgers", 1150, "grill", [SPICE], position=5),
    _item("steak", "Ribeye Steak", "mains", 2895, "grill", [DONENESS], aliases=["steak", "ribeye"], position=1),
    _item("grilled-salmon", "Grilled Salmon", "mains", 2450, "grill", position=2),
    _item("wings", "Chicken Wings", "mains", 1395, "fry", [SPICE], aliases=["wings"], position=3),
    _item("fish-and-chips", "Fish and Chips", "mains", 1795, "fry", position=4),
    _item("fries", "Fries", "sides", 450, "fry", [SIZE], position=1),
    _item("sweet-potato-fries", "Sweet Potato Fries", "sides", 550, "fry", [SIZE], position=2),
    _item("onion-rings", "Onion Rings", "sides", 595, "fry", position=3),
    _item("mozzarella-sticks", "Mozzarella Sticks", "sides", 795, "fry", position=4),
    _item("caesar-salad", "Caesar Salad", "salads", 995, "cold", [DRESSING], aliases=["caesar"], position=1),
    _item("garden-salad", "Garden Salad", "salads", 895, "cold", [DRESSING], position=2),
    _item("coleslaw", "Coleslaw", "salads", 395, "cold", position=3),
    _item("cheesecake", "Cheesecake", "desserts", 750, "cold", position=1),
    _item("ice-cream", "Ice Cream Sundae", "desserts", 695, "cold", aliases=["sundae"], position=2),
    _item("cola", "Cola", "drinks", 295, "bar", [ICE], tax=DRINK_TAX, aliases=["coke"], position=1),
    _item("lemonade", "Lemonade", "drinks", 350, "bar", [ICE], tax=DRINK_TAX, position=2),
    _item("iced-tea", "Iced Tea", "drinks", 325, "bar", [ICE], tax=DRINK_TAX, position=3),
    _item("milkshake", "Milkshake", "drinks", 650, "bar", [SIZE], tax=DRINK_TAX, aliases=["shake"], position=4),
    _item("beer", "Draft Beer", "drinks", 700, "bar", tax=DRINK_TAX, aliases=["beer"], position=5),
    _item("coffee", "Coffee", "drinks", 275, "bar", tax=DRINK_TAX, position=6),
]

DEMO_MENU = Menu(version=1, categories=CATEGORIES, items=ITEMS)


def seed_demo(store: Store, secret: bytes) -> bool:
    """Seed the demo restaurant into an empty box. Returns False when there was data already."""
    def job(tx) -> bool:
        if tx.conn.execute("SELECT 1 FROM users LIMIT 1").fetchone():
            return False
        for station in STATIONS:
            menu_repo.save_station(tx.conn, station)
        menu_repo.replace_menu(tx.conn, DEMO_MENU, DEMO_MENU.version)
        tx.mark_menu_changed()
        for name, role, pin in DEMO_USERS:
            auth.add_user(tx.conn, secret, name, role, pin)
        tx.append_event("menu.replaced", {"version": DEMO_MENU.version, "items": len(ITEMS)})
        return True

    return store.write(job)
