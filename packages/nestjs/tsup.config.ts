import { packageConfig } from '../../scripts/tsup.base.js';

export default packageConfig({ index: 'src/index.ts' });
