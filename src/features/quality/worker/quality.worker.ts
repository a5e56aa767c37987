/** Entry of the quality worker: measures model quality beside the training worker. */
import * as Comlink from 'comlink';
import { fetchBytes } from '../../../shared/dataset';
import { keepingOfflineCopies } from '../../../shared/offline-copy';
import { createQualityApi } from './quality-api';

Comlink.expose(createQualityApi({ fetchBytes: keepingOfflineCopies(fetchBytes) }));
