// One page for every screen: the URL picks the module (so the service worker caches one shell).
import { session } from './api.js';

const SCREENS = [
  [/^\/kiosk$/, './kiosk.js', 'Order here'],
  [/^\/kds\/[^/]+$/, './kds.js', 'Kitchen display'],
  [/^\/expo$/, './expo.js', 'Expo'],
  [/^\/manage$/, './manage.js', 'Manage'],
  [/^\/$/, './order.js', 'Order entry'],
];

const ORDER_ENTRY = SCREENS.find(([, file]) => file === './order.js');
const KIOSK = SCREENS[0];
// A kiosk (the customer role) opens its own screen at / too.
const saved = location.pathname === '/' ? session() : null;
const found = saved && saved.user.role === 'customer' ? KIOSK
  : SCREENS.find(([pattern]) => pattern.test(location.pathname)) || ORDER_ENTRY;
const [, module, title] = found;
document.title = `${title} \u00b7 restaurant-edge`;
import(module);
