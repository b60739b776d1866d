// One page for every screen: the URL picks the module (so the service worker caches one shell).
const SCREENS = [
  [/^\/kds\/[^/]+$/, './kds.js', 'Kitchen display'],
  [/^\/expo$/, './expo.js', 'Expo'],
  [/^\/manage$/, './manage.js', 'Manage'],
  [/^\/$/, './order.js', 'Order entry'],
];

const [, module, title] = SCREENS.find(([pattern]) => pattern.test(location.pathname)) || SCREENS[3];
document.title = `${title} \u00b7 restaurant-edge`;
import(module);
