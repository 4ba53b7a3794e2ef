import { index, layout, route, type RouteConfig } from '@react-router/dev/routes';

export default [
  route('signup', 'routes/signup.tsx'),
  route('signin', 'routes/signin.tsx'),
  route('signout', 'routes/signout.tsx'),
  layout('routes/app.tsx', [
    index('routes/chat.tsx'),
    route('board', 'routes/board.tsx'),
    route('tasks/:id', 'routes/task.tsx'),
    route('search', 'routes/search.tsx'),
    route('workflows', 'routes/workflows.tsx'),
    route('notifications', 'routes/notifications.tsx'),
    route('calendar', 'routes/calendar.tsx'),
    route('settings', 'routes/settings.tsx'),
  ]),
] satisfies RouteConfig;
