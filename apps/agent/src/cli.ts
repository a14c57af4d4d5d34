import { main } from './main';

// The entry of the bundled agent (`npx nx run agent:build`): runs as soon as it is loaded.
main(process.argv);
