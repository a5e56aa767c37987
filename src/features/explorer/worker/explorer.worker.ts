/** Entry of the latent explorer's Web Worker: decodes for the pad beside the training worker. */
import * as Comlink from 'comlink';
import { fetchBytes } from '../../../shared/dataset';
import { keepingOfflineCopies } from '../../../shared/offline-copy';
import { createExplorerApi } from './explorer-api';

Comlink.expose(createExplorerApi({ fetchBytes: keepingOfflineCopies(fetchBytes) }));
